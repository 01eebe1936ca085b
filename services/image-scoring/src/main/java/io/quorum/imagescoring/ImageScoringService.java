package io.quorum.imagescoring;

import ai.onnxruntime.OrtException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.explain.OcclusionSensitivity;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.pipeline.FaceCropper;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.service.ServiceWiring;
import io.quorum.shared.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Wires the scorer to its model (followed in the registry, hot-swapped), the bundled face detector, its output
 * producer and its metrics.
 */
@ApplicationScoped
public class ImageScoringService {

    private static final Logger LOG = Logger.getLogger(ImageScoringService.class);
    static final String SERVICE = "image-scoring";

    @Inject
    ImageScoringConfig config;
    @Inject
    ServiceWiring wiring;

    @ConfigProperty(name = "mp.messaging.incoming.images-in.topic", defaultValue = Topics.IMAGES)
    String inputTopic;

    private ModelManager<ScoringModel> manager;
    private KafkaOutput output;
    private BatchMetrics metrics;
    private ImageMetrics images;
    private BlazeFaceDetector detector;
    private ImageScorer scorer;
    private Explainer explainer;

    void onStart(@Observes StartupEvent ev) throws OrtException {
        manager = wiring.onnxManager(SERVICE, config.model(), config.follow(), ImageScorerSpec::check, (meta, session) -> {
            ScoringModel m = ScoringModel.of(meta, session);
            LOG.infof("image-scoring: %s loaded: %dx%d crops, scores %s..%s", m.describe(), m.size(), m.size(),
                    m.scale().min(), m.scale().max());
            return m;
        });
        // dead letters carry the photo unchanged, and explanations are PNGs: up to the photo topics' record limit
        output = wiring.output(SERVICE, java.util.Map.of(org.apache.kafka.clients.producer.ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Topics.IMAGES_MAX_MESSAGE_BYTES));
        metrics = wiring.batchMetrics(inputTopic, config.model());
        images = new ImageMetrics(wiring.meters());
        BlazeFaceDetector.Options d = BlazeFaceDetector.Options.defaults();
        detector = BlazeFaceDetector.open(new BlazeFaceDetector.Options(config.minFaceScore(), d.iouThreshold(), d.margin()),
                config.detectorThreads());
        ImageDecoder decoder = new ImageDecoder(new ImageDecoder.Limits(config.maxRecordBytes(), config.maxPixels(),
                config.maxDimension()));
        boolean explainAll = switch (config.explain().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> false;
            case Explainer.METHOD -> true;
            default -> throw new IllegalArgumentException("quorum.image-scoring.explain must be none or occlusion, got '"
                    + config.explain() + "'");
        };
        explainer = new Explainer(new OcclusionSensitivity.Settings(config.explainPatch(), config.explainStride(),
                config.explainBatch()));
        scorer = new ImageScorer(new ImageScorer.Settings(config.outputTopic(), config.alreadyAligned(),
                config.maxRecordBytes(), explainAll, config.explainTopic()),
                new FaceCropper(decoder, detector, new FaceAligner(FaceAligner.Geometry.mebeauty())), explainer);
        wiring.serving().register(manager);
        LOG.infof("image-scoring: %s -> %s (dead letters -> %s), model %s (%s), %s, batches of up to %d photos", inputTopic,
                config.outputTopic(), Topics.dlq(inputTopic), config.model(), config.follow(),
                config.alreadyAligned() ? "inputs are aligned crops" : "BlazeFace detection + eye-level alignment",
                config.maxBatchSize());
    }

    void onStop(@Observes ShutdownEvent ev) {
        if (output != null) {
            output.close();
        }
        if (detector != null) {
            detector.close();
        }
    }

    /**
     * Scores a batch with the version serving when the batch starts (waiting for a first version if none serves yet)
     * and sends the results; the future completes when every output and dead letter is acknowledged.
     */
    CompletableFuture<Void> process(List<InRecord> records) {
        BatchResult result = ServiceWiring.withServing(manager, modelWait(), m -> scorer.score(records, m, metrics, images));
        metrics.result(records.size() - result.deadLetters().size(), result.deadLetters(),
                records.isEmpty() ? 0 : records.get(0).timestamp());
        return output.send(result);
    }

    private Duration modelWait() {
        return Duration.ofSeconds(config.modelWaitSeconds());
    }

    /**
     * Explains one photo over HTTP with the serving version: prepared like a record (aligned per {@code aligned}, else
     * the configured default), then the occlusion map; {@code patch}/{@code stride} override the configured ones.
     */
    Explainer.Explanation explain(byte[] photo, Boolean aligned, Integer patch, Integer stride, String imageId)
            throws Exception {
        ModelManager.Lease<ScoringModel> lease = ServiceWiring.awaitServing(manager, modelWait());
        try {
            var prepared = scorer.prepare(photo, aligned != null ? aligned : config.alreadyAligned(), lease.model());
            OcclusionSensitivity.Settings d = explainer.settings();
            OcclusionSensitivity.Settings s = new OcclusionSensitivity.Settings(patch != null ? patch : d.patch(),
                    stride != null ? stride : d.stride(), d.batch());
            long start = System.nanoTime();
            Explainer.Explanation e = explainer.explain(imageId, prepared.crop(), lease.model(), s);
            images.stage("explain", System.nanoTime() - start);
            return e;
        } finally {
            lease.close();
        }
    }

    ModelManager<ScoringModel> manager() {
        return manager;
    }

    ImageMetrics images() {
        return images;
    }
}
