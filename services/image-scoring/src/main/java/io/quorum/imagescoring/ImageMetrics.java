package io.quorum.imagescoring;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.metrics.Metrics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The image service's own metrics: photos scored by face policy ({@code quorum_images_scored_total}), faces found per
 * photo ({@code quorum_images_faces_found}) and time per pipeline stage ({@code quorum_images_stage_seconds}).
 * Dead letters are counted by the shared {@code quorum_records_dead_lettered_total} with their reason.
 */
final class ImageMetrics {

    private final MeterRegistry registry;
    private final Map<String, Counter> scored = new ConcurrentHashMap<>();
    private final Map<String, Timer> stages = new ConcurrentHashMap<>();
    private final DistributionSummary faces;

    ImageMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.faces = DistributionSummary.builder(Metrics.IMAGES_FACES_FOUND).baseUnit("faces")
                .description("Faces the detector found per scored photo").serviceLevelObjectives(1, 2, 3, 5, 10)
                .register(registry);
    }

    void scored(String policy, int facesFound) {
        scored.computeIfAbsent(policy, p -> Counter.builder(Metrics.IMAGES_SCORED).tag(Metrics.TAG_POLICY, p)
                .description("Photos scored, by which face was scored").register(registry)).increment();
        faces.record(facesFound);
    }

    void stage(String stage, long nanos) {
        stages.computeIfAbsent(stage, s -> Timer.builder(Metrics.IMAGES_STAGE).tag(Metrics.TAG_STAGE, s)
                .description("Time per image pipeline stage and batch").publishPercentileHistogram()
                .register(registry)).record(Duration.ofNanos(nanos));
    }

    /**
     * One photo's preparation steps as stages {@code decode}, {@code detect} and {@code align} (per photo; the
     * {@code prepare} and {@code score} stages are per batch); a skipped step (detection of an aligned crop) is not
     * recorded.
     */
    void steps(io.quorum.faces.pipeline.FaceCropper.Timings t) {
        if (t.decodeNanos() > 0) {
            stage("decode", t.decodeNanos());
        }
        if (t.detectNanos() > 0) {
            stage("detect", t.detectNanos());
        }
        if (t.alignNanos() > 0) {
            stage("align", t.alignNanos());
        }
    }

    double scored(String policy) {
        Counter c = scored.get(policy);
        return c == null ? 0 : c.count();
    }
}
