package io.quorum.ensemblevoting;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.service.ServiceWiring;
import io.quorum.shared.topics.Topics;
import io.quorum.vision.ensemble.Vote;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Wires the voter to its ensemble (followed in the registry, hot-swapped), its output producer and its metrics. */
@ApplicationScoped
public class EnsembleVotingService {

    private static final Logger LOG = Logger.getLogger(EnsembleVotingService.class);
    static final String SERVICE = "ensemble-voting";

    @Inject
    EnsembleVotingConfig config;
    @Inject
    ServiceWiring wiring;

    @ConfigProperty(name = "mp.messaging.incoming.digits-in.topic", defaultValue = Topics.DIGITS)
    String inputTopic;

    private ModelManager<VotingModel> manager;
    private KafkaOutput output;
    private BatchMetrics metrics;
    private VoteMetrics votes;
    private DigitVoter voter;

    void onStart(@Observes StartupEvent ev) {
        Vote vote = Vote.parse(config.vote()); // a bad configured vote stops the start with the reason
        manager = wiring.onnxManager(SERVICE, config.model(), config.follow(), DigitEnsembleSpec::check, (meta, session) -> {
            VotingModel m = VotingModel.of(meta, session);
            LOG.infof("ensemble-voting: %s loaded: %d members, detector threshold %s", m.describe(), m.members(),
                    m.threshold().isPresent() ? m.threshold().getAsDouble() + " nats" : "none (nothing flagged)");
            return m;
        });
        output = wiring.output(SERVICE);
        metrics = wiring.batchMetrics(inputTopic, config.model());
        votes = new VoteMetrics(wiring.meters());
        voter = new DigitVoter(new DigitVoter.Settings(config.outputTopic(), config.suspiciousTopic(), vote,
                config.detection().enabled(), config.detection().threshold().orElse(null)));
        wiring.serving().register(manager);
        LOG.infof("ensemble-voting: %s -> %s (suspected adversarials also -> %s), model %s (%s), vote %s, detection %s, "
                        + "batches of up to %d digits", inputTopic, config.outputTopic(), config.suspiciousTopic(), config.model(),
                config.follow(), vote.wire(), !config.detection().enabled() ? "off" : config.detection().threshold()
                        .map(t -> "fixed threshold " + t).orElse("the version's calibrated threshold"), config.maxBatchSize());
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (output != null) {
            output.close();
        }
    }

    /**
     * Votes on a batch with the version serving when the batch starts (waiting for a first version if none serves yet)
     * and sends the results; the future completes when every output and dead letter is acknowledged.
     */
    CompletableFuture<Void> process(List<InRecord> records) {
        BatchResult result = ServiceWiring.withServing(manager, Duration.ofSeconds(config.modelWaitSeconds()),
                m -> voter.vote(records, m, metrics, votes));
        metrics.result(records.size() - result.deadLetters().size(), result.deadLetters(),
                records.isEmpty() ? 0 : records.get(0).timestamp());
        return output.send(result);
    }

    ModelManager<VotingModel> manager() {
        return manager;
    }

    VoteMetrics votes() {
        return votes;
    }
}
