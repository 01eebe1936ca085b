package io.quorum.cli;

import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.Images;
import io.quorum.faces.pipeline.FaceCropper;
import io.quorum.faces.probe.RegressionMetrics;
import io.quorum.faces.scorer.ImageScorerModel;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.events.ImageScored;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PhotoHeaders;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code eval images}: an image scorer on a scores file in the data set's format ({@code path score} lines, paths
 * relative to {@code --images}), in process: decode, detect + align with {@code --raw} (the crop path's
 * {@code cropped_images/images_crop_align_mtcnn/} becomes {@code original_images/}, MEBeauty's layout), score with the
 * model, and print JSON {@code n, plcc, srcc, mae, rmse} plus the photos refused by reason. The model: {@code --model
 * NAME[:VERSION]} from the registry, {@code --model-file}, else the bundled default fused from
 * {@code models/image-scorer-default/head.json}. With {@code --via-kafka} the photos go through the running
 * image-scoring service instead (the figures of what is served, and its throughput end to end).
 */
@Command(name = "images", description = "Score correlation of an image scorer on a scores file (JSON: n, plcc, srcc, mae, rmse).")
final class EvalImages implements Callable<Integer> {

    static final String CROPS = "cropped_images/images_crop_align_mtcnn/";
    static final String ORIGINALS = "original_images/";

    @Mixin
    Connection connection;

    @Option(names = "--scores", required = true, description = "scores file: '<relative path> <score>' lines")
    Path scores;

    @Option(names = "--images", required = true, description = "directory the scores file's paths are relative to")
    Path images;

    @Option(names = "--raw", description = "uncropped photos: detect the largest face and align it (MEBeauty: the crop "
            + "paths are mapped to original_images/)")
    boolean raw;

    @Option(names = "--model", description = "a registered scorer NAME[:VERSION] (default: the bundled default, no broker)")
    String model;

    @Option(names = "--model-file", description = "a local image-scorer model.onnx")
    Path modelFile;

    @Option(names = "--defaults", defaultValue = "models", description = "folder of bundled default models")
    Path defaults;

    @Option(names = "--runtime", defaultValue = "runtime")
    Path runtime;

    @Option(names = "--threads", defaultValue = "1", description = "ONNX Runtime intra-op threads")
    int threads;

    @Option(names = "--limit", defaultValue = "0", description = "score only the first N entries (0 = all)")
    int limit;

    @Option(names = "--via-kafka", description = "through the image-scoring service: publish each photo to quorum.images "
            + "(raw bytes, CloudEvents headers; ce_aligned=true unless --raw) and read its score back from "
            + "quorum.images.scored (refusals from quorum.images.dlq); the model is the one the service serves")
    boolean viaKafka;

    @Option(names = "--timeout", defaultValue = "300", description = "--via-kafka: seconds to wait for every photo's answer")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        System.out.println(Json.toPrettyString(evaluate()));
        return 0;
    }

    /** The report printed by {@link #call()}. */
    Map<String, Object> evaluate() throws Exception {
        ImageScoreList.Result list = ImageScoreList.read(scores, images);
        List<ImageScoreList.ImageScore> entries = list.entries();
        if (limit > 0 && entries.size() > limit) {
            entries = entries.subList(0, limit);
        }
        if (viaKafka) {
            if (model != null || modelFile != null) {
                throw new IllegalArgumentException("--via-kafka scores with the model the service serves: drop --model/--model-file");
            }
            return viaKafka(list, entries);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        String modelName;
        byte[] onnx;
        if (modelFile != null) {
            onnx = Files.readAllBytes(modelFile);
            modelName = modelFile.toString();
        } else if (model != null) {
            try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
                ModelResolver resolver = new ModelResolver(registry.snapshot(Duration.ofSeconds(30)), connection.store(),
                        runtime.resolve("cache/cli"));
                ModelPublished meta = resolver.model(ModelRef.parse(model));
                onnx = Files.readAllBytes(resolver.fetch(meta).resolve(ModelPublisher.PRIMARY));
                modelName = meta.name() + " v" + meta.version();
            }
        } else {
            Path head = defaults.resolve(ImageScorerSpec.MODEL_NAME + "-default").resolve(ImageScorerModel.HEAD_FILE);
            onnx = ImageScorerModel.fromHead(head, Map.of());
            modelName = "bundled default (" + head + ")";
        }
        List<Double> predicted = new ArrayList<>();
        List<Double> target = new ArrayList<>();
        Map<String, Integer> refused = new TreeMap<>();
        long t0 = System.nanoTime();
        try (OnnxSession session = OnnxSession.open(onnx, InferenceOptions.cpu(threads));
             BlazeFaceDetector detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), threads)) {
            ImageScorerSpec.check(session, null);
            int size = ImageScorerSpec.size(session.signature());
            FaceCropper cropper = new FaceCropper(new ImageDecoder(), detector, new FaceAligner(FaceAligner.Geometry.mebeauty()));
            float[] x = new float[size * size * 3];
            for (ImageScoreList.ImageScore e : entries) {
                Path photo = raw ? rawPath(e.image()) : e.image();
                if (!Files.exists(photo)) {
                    refused.merge("missing", 1, Integer::sum);
                    continue;
                }
                FaceCropper.Prepared p;
                try {
                    p = cropper.prepare(Files.readAllBytes(photo), raw ? FaceCropper.Mode.DETECT_AND_ALIGN
                            : FaceCropper.Mode.ALREADY_ALIGNED);
                } catch (ImageRejectedException ex) {
                    refused.merge(ex.reason().code(), 1, Integer::sum);
                    continue;
                }
                Images.toNhwc(Images.resize(p.crop(), size, size), 1f, 0f, x, 0);
                predicted.add((double) ImageScorerSpec.score(session, x, 1, size)[0]);
                target.add(e.score());
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        report.put("model", modelName);
        return report(report, predicted, target, refused, list, seconds, predicted.size());
    }

    /** {@code report} completed with the figures of {@code predicted} against {@code target} and the run's counts. */
    private Map<String, Object> report(Map<String, Object> report, List<Double> predicted, List<Double> target,
                                       Map<String, Integer> refused, ImageScoreList.Result list, double seconds, int photos) {
        RegressionMetrics m = RegressionMetrics.of(predicted.stream().mapToDouble(Double::doubleValue).toArray(),
                target.stream().mapToDouble(Double::doubleValue).toArray());
        report.put("scores", io.quorum.shared.data.DataDir.describe(scores));
        report.put("raw", raw);
        report.put("n", m.n());
        report.put("plcc", m.plcc());
        report.put("srcc", m.srcc());
        report.put("mae", m.mae());
        report.put("rmse", m.rmse());
        report.put("refused", refused);
        report.put("missing_listed", list.missing());
        report.put("seconds", seconds);
        report.put("photos_per_second", photos / Math.max(seconds, 1e-9));
        return report;
    }

    /**
     * {@code --via-kafka}: every photo published as an upload service would (ids unique to this run), answers read back
     * by id from the scored and dead-letter topics (positions taken before the first photo is sent), the same report.
     */
    private Map<String, Object> viaKafka(ImageScoreList.Result list, List<ImageScoreList.ImageScore> entries) throws Exception {
        String run = "eval-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "-";
        Map<String, ImageScoreList.ImageScore> pending = new LinkedHashMap<>();
        Map<String, Integer> refused = new TreeMap<>();
        Map<String, Double> scoredById = new LinkedHashMap<>();
        Map<String, Integer> models = new TreeMap<>();
        io.quorum.shared.events.EventCodec<ImageScored> codec = io.quorum.shared.events.EventCodec.of(ImageScored.class,
                ImageScored.SCHEMA_VERSION);
        KafkaClients clients = connection.clients();
        long t0;
        try (KafkaConsumer<String, byte[]> answers = clients.consumer("eval-images-" + run,
                Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
             KafkaProducer<String, byte[]> producer = clients.reliableProducer("eval-images",
                     Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20))) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : List.of(Topics.IMAGES_SCORED, Topics.dlq(Topics.IMAGES))) {
                answers.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
            }
            answers.assign(parts);
            answers.seekToEnd(parts);
            parts.forEach(answers::position); // fix the positions before the first photo goes out
            t0 = System.nanoTime();
            int i = 0;
            for (ImageScoreList.ImageScore e : entries) {
                Path photo = raw ? rawPath(e.image()) : e.image();
                if (!Files.exists(photo)) {
                    refused.merge("missing", 1, Integer::sum);
                    continue;
                }
                String id = run + (i++);
                pending.put(id, e);
                producer.send(new ProducerRecord<>(Topics.IMAGES, null, id, Files.readAllBytes(photo),
                        SendPhotosCommand.headers(id, "quorum-eval", photo.getFileName().toString(), !raw, false)));
            }
            producer.flush();
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutSeconds).toNanos();
            int answered = 0;
            while (answered < pending.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : answers.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(Topics.IMAGES_SCORED)) {
                        ImageScored s = codec.decode(r.value());
                        if (pending.containsKey(s.imageId()) && scoredById.put(s.imageId(), s.score()) == null) {
                            models.merge(s.model() + " v" + s.modelVersion(), 1, Integer::sum);
                            answered++;
                        }
                    } else {
                        String id = header(r, PhotoHeaders.ID);
                        if (id != null && pending.containsKey(id) && !scoredById.containsKey(id)) {
                            String code = header(r, DeadLetter.HEADER_REASON_CODE);
                            refused.merge(code == null ? "dead-lettered" : code, 1, Integer::sum);
                            scoredById.put(id, Double.NaN);
                            answered++;
                        }
                    }
                }
            }
            if (answered < pending.size()) {
                throw new IllegalStateException((pending.size() - answered) + " of " + pending.size() + " photos got no answer "
                        + "within " + timeoutSeconds + " s: is the image-scoring service running and serving a model?");
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Double> predicted = new ArrayList<>();
        List<Double> target = new ArrayList<>();
        pending.forEach((id, e) -> {
            double s = scoredById.get(id);
            if (!Double.isNaN(s)) {
                predicted.add(s);
                target.add(e.score());
            }
        });
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", models.size() == 1 ? models.keySet().iterator().next() : models);
        report.put("via", "kafka: " + Topics.IMAGES + " -> image-scoring -> " + Topics.IMAGES_SCORED);
        return report(report, predicted, target, refused, list, seconds, pending.size());
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** MEBeauty's uncropped photo behind a crop path (the path itself when it is not a crop path). */
    static Path rawPath(Path crop) {
        String s = crop.toString().replace('\\', '/');
        int at = s.indexOf(CROPS);
        return at < 0 ? crop : Path.of(s.substring(0, at) + ORIGINALS + s.substring(at + CROPS.length()));
    }
}
