package io.quorum.ensemblevoting;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelSelector;
import io.quorum.shared.model.OnnxModelLoader;
import io.quorum.shared.service.DeviceInfoGauge;
import io.quorum.shared.service.InferenceConfig;
import io.quorum.shared.service.ModelServing;
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
    InferenceConfig inference;
    @Inject
    ModelServing serving;
    @Inject
    MeterRegistry meters;
    @Inject
    DeviceInfoGauge deviceInfo;
    @Inject
    KafkaClients clients;

    @ConfigProperty(name = "mp.messaging.incoming.digits-in.topic", defaultValue = Topics.DIGITS)
    String inputTopic;

    private ModelManager<VotingModel> manager;
    private KafkaOutput output;
    private BatchMetrics metrics;
    private VoteMetrics votes;
    private DigitVoter voter;

    void onStart(@Observes StartupEvent ev) {
        Vote vote = Vote.parse(config.vote()); // a bad configured vote stops the start with the reason
        OnnxModelLoader onnx = new OnnxModelLoader(inference.options(), DigitEnsembleSpec::check);
        manager = new ModelManager<>(config.model(), ModelSelector.parse(config.follow()), serving.stores(),
                serving.cacheDir(SERVICE), (meta, dir) -> {
                    OnnxModelLoader.Loaded loaded = onnx.load(meta, dir);
                    deviceInfo.refresh();
                    VotingModel m = VotingModel.of(meta, loaded.session());
                    LOG.infof("ensemble-voting: %s loaded: %d members, detector threshold %s", m.describe(), m.members(),
                            m.threshold().isPresent() ? m.threshold().getAsDouble() + " nats" : "none (nothing flagged)");
                    return m;
                }, meters, serving.fetchRetry());
        output = clients.output(SERVICE);
        metrics = new BatchMetrics(meters, inputTopic, config.model());
        votes = new VoteMetrics(meters);
        voter = new DigitVoter(new DigitVoter.Settings(config.outputTopic(), config.suspiciousTopic(), vote,
                config.detection().enabled(), config.detection().threshold().orElse(null)));
        serving.register(manager);
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
        ModelManager.Lease<VotingModel> lease = awaitModel();
        BatchResult result;
        try {
            result = voter.vote(records, lease.model(), metrics, votes);
        } finally {
            lease.close();
        }
        metrics.result(records.size() - result.deadLetters().size(), result.deadLetters(),
                records.isEmpty() ? 0 : records.get(0).timestamp());
        return output.send(result);
    }

    private ModelManager.Lease<VotingModel> awaitModel() {
        try {
            return manager.awaitServing(Duration.ofSeconds(config.modelWaitSeconds()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model", e);
        }
    }

    ModelManager<VotingModel> manager() {
        return manager;
    }

    VoteMetrics votes() {
        return votes;
    }
}
