package io.quorum.pairscoring;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelSelector;
import io.quorum.shared.model.OnnxModelLoader;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.service.ModelServing;
import io.quorum.shared.service.ServiceWiring;
import io.quorum.shared.topics.Topics;
import io.quorum.pairscoring.search.DuplicateSearch;
import io.quorum.pairscoring.search.DuplicatesRunner;
import io.quorum.pairscoring.search.Quantization;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Wires the pair scorer to its model, its output producer and its metrics. */
@ApplicationScoped
public class PairScoringService {

    private static final Logger LOG = Logger.getLogger(PairScoringService.class);
    static final String SERVICE = "pair-scoring";

    @Inject
    PairScoringConfig config;
    @Inject
    ServiceWiring wiring;

    @ConfigProperty(name = "mp.messaging.incoming.pairs-in.topic", defaultValue = Topics.PAIRS_EMBEDDED)
    String inputTopic;

    private ModelManager<ScoringModel> manager;
    /** The pair-aligner's versions; null when disabled. Optional: readiness does not wait for it. */
    private ModelManager<AlignerModel> aligner;
    private BatchMetrics alignerMetrics;
    private KafkaOutput output;
    private BatchMetrics metrics;
    private PairScorer scorer;
    private DuplicatesRunner duplicates;

    void onStart(@Observes StartupEvent ev) {
        ModelServing serving = wiring.serving();
        manager = wiring.onnxManager(SERVICE, config.model(), config.follow(), PairScorerSpec::check, ScoringModel::of);
        output = wiring.output(SERVICE);
        metrics = wiring.batchMetrics(inputTopic, config.model());
        scorer = new PairScorer(config.outputTopic());
        serving.register(manager);
        if (config.aligner().enabled()) {
            OnnxModelLoader alignerOnnx = wiring.onnx(PairAlignerSpec::check);
            aligner = wiring.manager(SERVICE, config.aligner().model(), ModelSelector.parse(config.aligner().follow()),
                    (meta, dir) -> AlignerModel.of(meta, alignerOnnx.load(meta, dir).session()));
            alignerMetrics = wiring.batchMetrics(inputTopic, config.aligner().model());
            serving.register(aligner, false);
        }
        if (config.duplicates().enabled()) {
            PairScoringConfig.Duplicates d = config.duplicates();
            String dir = d.indexDir().orElse(serving.cacheDir(SERVICE).resolve("duplicates-index").toString());
            Path indexDir = "memory".equals(dir) ? null : Path.of(dir).resolve(d.topic());
            DuplicatesRunner.Settings settings = new DuplicatesRunner.Settings(d.topic(), d.outputTopic(), indexDir,
                    Quantization.parse(d.quantization()), d.ramBufferMb(), d.topK(), d.candidates(), d.commitInterval());
            duplicates = new DuplicatesRunner(wiring.clients(), d.group(), settings, output, () -> {
                ModelManager.Lease<ScoringModel> lease = awaitModel();
                return new DuplicatesRunner.LeasedScorer() {
                    @Override
                    public DuplicateSearch.Scorer scorer() {
                        return lease.model();
                    }

                    @Override
                    public void close() {
                        lease.close();
                    }
                };
            }, wiring.batchMetrics(d.topic(), config.model()), wiring.meters());
            duplicates.start();
            LOG.infof("duplicate search: %s -> %s, index %s (quantization %s, %d candidates re-ranked to the top %d)",
                    d.topic(), d.outputTopic(), indexDir == null ? "in memory" : indexDir, d.quantization(),
                    d.candidates(), d.topK());
        }
        LOG.infof("pair-scoring: %s -> %s, model %s (%s), aligner %s, batches of up to %d records", inputTopic,
                config.outputTopic(), config.model(), config.follow(),
                config.aligner().enabled() ? config.aligner().model() + " (" + config.aligner().follow() + ")" : "off",
                config.maxBatchSize());
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (duplicates != null) {
            duplicates.close();
        }
        if (output != null) {
            output.close();
        }
    }

    /**
     * Scores a batch with the version serving when the batch starts (waiting for a first version if none serves
     * yet) and sends the results; the future completes when every output and dead letter is acknowledged.
     */
    CompletableFuture<Void> process(List<InRecord> records) {
        long oldest = oldestTimestamp(records);
        metrics.started(oldest);
        ModelManager.Lease<ScoringModel> lease = awaitModel();
        ModelManager.Lease<AlignerModel> aligned = aligner == null ? null : aligner.acquire();
        BatchResult result;
        try {
            result = scorer.score(records, lease.model(), aligned == null ? null : aligned.model(), metrics, alignerMetrics);
        } finally {
            lease.close();
            if (aligned != null) {
                aligned.close();
            }
        }
        metrics.result(result, oldest);
        long sent = System.nanoTime();
        CompletableFuture<Void> acked = output.send(result);
        acked.thenRun(() -> metrics.acknowledged(System.nanoTime() - sent));
        return acked;
    }

    /** The oldest timestamp of a batch (a poll spans partitions, so not necessarily the first record's), 0 if none. */
    private static long oldestTimestamp(List<InRecord> records) {
        long oldest = Long.MAX_VALUE;
        for (InRecord r : records) {
            if (r.timestamp() > 0) {
                oldest = Math.min(oldest, r.timestamp());
            }
        }
        return oldest == Long.MAX_VALUE ? 0 : oldest;
    }

    private ModelManager.Lease<ScoringModel> awaitModel() {
        return ServiceWiring.awaitServing(manager, Duration.ofSeconds(config.modelWaitSeconds()));
    }

    ModelManager<ScoringModel> manager() {
        return manager;
    }

    ModelManager<AlignerModel> aligner() {
        return aligner;
    }

    DuplicatesRunner duplicates() {
        return duplicates;
    }
}
