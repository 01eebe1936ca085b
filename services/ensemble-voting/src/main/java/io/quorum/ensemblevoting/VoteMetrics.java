package io.quorum.ensemblevoting;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.metrics.Metrics;
import io.quorum.vision.ensemble.Vote;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ensemble's own metrics, per model version: digits classified by vote ({@code quorum_ensemble_votes_total}), the
 * members' disagreement ({@code quorum_ensemble_disagreement_nats}, a histogram with buckets around typical thresholds)
 * and the suspected adversarials ({@code quorum_ensemble_flags_total}). Meters are created on first use and kept.
 */
final class VoteMetrics {

    /** Histogram buckets of the disagreement, nats (at most log of the class count: 2.3 for ten classes). */
    static final double[] BUCKETS = {0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0};

    private final MeterRegistry registry;
    private final Map<String, Counter> votes = new ConcurrentHashMap<>();
    private final Map<String, Counter> flags = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> disagreement = new ConcurrentHashMap<>();

    VoteMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void record(String model, int version, Vote vote, double mutualInformation, boolean flagged) {
        String v = Integer.toString(version);
        votes.computeIfAbsent(model + "/" + v + "/" + vote.wire(), k -> Counter.builder(Metrics.ENSEMBLE_VOTES)
                .tag(Metrics.TAG_MODEL, model).tag(Metrics.TAG_VERSION, v).tag(Metrics.TAG_VOTE, vote.wire())
                .description("Digits classified by the ensemble, by the vote that decided them").register(registry))
                .increment();
        disagreement.computeIfAbsent(model + "/" + v, k -> DistributionSummary.builder(Metrics.ENSEMBLE_DISAGREEMENT)
                .tag(Metrics.TAG_MODEL, model).tag(Metrics.TAG_VERSION, v).baseUnit("nats")
                .description("Members' disagreement per digit: mutual information H(mean) - mean H(member)")
                .serviceLevelObjectives(BUCKETS).register(registry)).record(mutualInformation);
        Counter f = flags.computeIfAbsent(model + "/" + v, k -> Counter.builder(Metrics.ENSEMBLE_FLAGS)
                .tag(Metrics.TAG_MODEL, model).tag(Metrics.TAG_VERSION, v)
                .description("Digits flagged as suspected adversarials (disagreement above the calibrated threshold)")
                .register(registry));
        if (flagged) {
            f.increment();
        }
    }

    /** Digits classified by {@code version} under {@code vote} so far. */
    double votes(String model, int version, Vote vote) {
        Counter c = votes.get(model + "/" + version + "/" + vote.wire());
        return c == null ? 0 : c.count();
    }

    /** Digits {@code version} flagged so far. */
    double flags(String model, int version) {
        Counter c = flags.get(model + "/" + version);
        return c == null ? 0 : c.count();
    }
}
