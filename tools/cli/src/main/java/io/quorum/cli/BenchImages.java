package io.quorum.cli;

import static io.quorum.cli.BenchSupport.log;
import static io.quorum.cli.BenchSupport.round;
import static io.quorum.cli.BenchSupport.round3;

import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.explain.OcclusionSensitivity;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.Images;
import io.quorum.faces.pipeline.FaceCropper;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench images}: photos per second of the image scorer in process (decode, detect + align for raw photos,
 * resize, score in batches of the service's size, one thread) against the image-scoring service end to end over Kafka
 * (an instance this command starts on throw-away {@code quorum.bench.<run>.*} topics, pinned to the same version, one
 * inference thread), for the authors' aligned crops and for raw photos; the in-process side is measured before and
 * after the service run and the mean of the two is the reference (target: service >= 0.7x). Then the cost of one
 * occlusion-sensitivity map in scoring calls and milliseconds. Prints JSON and keeps it in {@code <runtime>/bench}.
 */
@Command(name = "images", description = "Benchmark the image scorer: the image-scoring service over Kafka vs the same "
        + "pipeline in process, crops and raw photos (target >= 0.7x), and the occlusion map's cost.")
final class BenchImages implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Mixin
    BenchSupport.ServiceRun serviceRun;

    @Option(names = "--model", defaultValue = ImageScorerSpec.MODEL_NAME, description = "NAME or NAME:VERSION (default: "
            + "the champion of ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--scores", description = "scores file whose photos are sent (default: MEBeauty's val split under "
            + "QUORUM_DATA_DIR)")
    Path scores;

    @Option(names = "--images", description = "directory the scores file's paths are relative to (default: its mebeauty folder)")
    Path images;

    @Option(names = "--crops", defaultValue = "200", description = "aligned crops per run (default ${DEFAULT-VALUE})")
    int crops;

    @Option(names = "--raw-photos", defaultValue = "100", description = "raw photos per run, 0 to skip (default ${DEFAULT-VALUE})")
    int rawPhotos;

    @Option(names = "--service-jar", defaultValue = "services/image-scoring/target/quarkus-app/quarkus-run.jar",
            description = "the image-scoring service's runnable jar (default ${DEFAULT-VALUE})")
    Path serviceJar;


    /** The service's defaults: batches of 16 photos, one inference and one detector thread. */
    private static final int BATCH = 16;

    @Override
    public Integer call() throws Exception {
        if (crops < 1 || rawPhotos < 0) {
            throw new IllegalArgumentException("--crops must be positive and --raw-photos not negative");
        }
        Path base = images != null ? images : DataDir.root().resolve("mebeauty");
        Path list = scores != null ? scores : base.resolve("scores/val_2022.txt");
        List<ImageScoreList.ImageScore> entries = ImageScoreList.read(list, base).entries();
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "images");
        out.put("startedAt", Instant.now().toString());
        out.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "java", System.getProperty("java.version"),
                "loadAverageAtStart", java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        out.put("scores", DataDir.describe(list));
        ModelPublished meta;
        Path dir;
        ModelResolver resolver = BenchSupport.resolver(connection, serviceRun.runtime);
        meta = resolver.model(ModelRef.parse(model));
        dir = resolver.fetch(meta);
        out.put("model", Map.of("name", meta.name(), "version", meta.version(), "sha256", meta.sha256()));
        byte[] onnx = Files.readAllBytes(dir.resolve(ModelPublisher.PRIMARY));
        Map<String, Object> targets = new LinkedHashMap<>();
        List<byte[]> cropBytes = photos(entries, crops, false);
        out.put("crops", compare(onnx, meta, cropBytes, false, run + "c", targets));
        if (rawPhotos > 0) {
            List<byte[]> rawBytes = photos(entries, rawPhotos, true);
            out.put("raw", compare(onnx, meta, rawBytes, true, run + "r", targets));
        }
        out.put("occlusionMap", occlusion(onnx, cropBytes.get(0)));
        out.put("targetsMet", targets);
        System.out.println(BenchSupport.keep(serviceRun.runtime, "images", run, out));
        return 0;
    }

    /** The first {@code n} photos of the list (cycled when it is shorter), crops or the raw photos behind them. */
    private static List<byte[]> photos(List<ImageScoreList.ImageScore> entries, int n, boolean raw) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; out.size() < n && i < entries.size() * 2; i++) {
            Path p = entries.get(i % entries.size()).image();
            Path photo = raw ? EvalImages.rawPath(p) : p;
            if (Files.exists(photo)) {
                out.add(Files.readAllBytes(photo));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("none of the listed photos exists");
        }
        return out;
    }

    /** In process, the service over Kafka, in process again; the ratio to the mean of the in-process runs. */
    private Map<String, Object> compare(byte[] onnx, ModelPublished meta, List<byte[]> photos, boolean raw, String run,
                                        Map<String, Object> targets) throws Exception {
        String kind = raw ? "raw photos" : "crops";
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("photos", photos.size());
        double before = inProcess(onnx, photos, raw);
        log("%s in process: %.1f photos/s", kind, before);
        Map<String, Object> svc = service(meta, photos, raw, run);
        double after = inProcess(onnx, photos, raw);
        log("%s in process again: %.1f photos/s", kind, after);
        double reference = (before + after) / 2;
        double perSecond = ((Number) svc.get("photosPerSecond")).doubleValue();
        m.put("inProcessPhotosPerSecond", List.of(round(before), round(after)));
        m.put("service", svc);
        m.put("serviceOverInProcess", round3(perSecond / reference));
        targets.put("serviceOverInProcess>=0.7 (" + kind + ")", perSecond / reference >= 0.7);
        return m;
    }

    /** Photos per second of the service's pipeline in this process: one pass after a warm-up pass over 20 photos. */
    private static double inProcess(byte[] onnx, List<byte[]> photos, boolean raw) throws Exception {
        try (OnnxSession session = OnnxSession.open(onnx, InferenceOptions.cpu(1));
             BlazeFaceDetector detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), 1)) {
            ImageScorerSpec.check(session, null);
            int size = ImageScorerSpec.size(session.signature());
            FaceCropper cropper = new FaceCropper(new ImageDecoder(), detector, new FaceAligner(FaceAligner.Geometry.mebeauty()));
            FaceCropper.Mode mode = raw ? FaceCropper.Mode.DETECT_AND_ALIGN : FaceCropper.Mode.ALREADY_ALIGNED;
            pass(session, cropper, mode, size, photos.subList(0, Math.min(20, photos.size())));
            long t0 = System.nanoTime();
            int scored = pass(session, cropper, mode, size, photos);
            return scored / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** Prepares and scores {@code photos} in batches of {@link #BATCH}; returns how many were scored. */
    private static int pass(OnnxSession session, FaceCropper cropper, FaceCropper.Mode mode, int size, List<byte[]> photos)
            throws Exception {
        float[] x = new float[BATCH * size * size * 3];
        int inBatch = 0;
        int scored = 0;
        for (byte[] photo : photos) {
            try {
                FaceCropper.Prepared p = cropper.prepare(photo, mode);
                Images.toNhwc(Images.resize(p.crop(), size, size), 1f, 0f, x, inBatch * size * size * 3);
                inBatch++;
            } catch (ImageRejectedException e) {
                continue; // counted as not scored, as the service dead-letters it
            }
            if (inBatch == BATCH) {
                ImageScorerSpec.score(session, x, inBatch, size);
                scored += inBatch;
                inBatch = 0;
            }
        }
        if (inBatch > 0) {
            ImageScorerSpec.score(session, Arrays.copyOf(x, inBatch * size * size * 3), inBatch, size);
            scored += inBatch;
        }
        return scored;
    }

    /** The service end to end: photos in on a bench topic, every score out, timed. */
    private Map<String, Object> service(ModelPublished meta, List<byte[]> photos, boolean raw, String run) throws Exception {
        String in = Topics.BENCH_PREFIX + run + ".images";
        String scored = Topics.BENCH_PREFIX + run + ".images.scored";
        List<String> topics = List.of(in, scored, Topics.dlq(in));
        Map<String, String> props = new LinkedHashMap<>(connection.serviceProperties());
        props.put("mp.messaging.incoming.images-in.topic", in);
        props.put("mp.messaging.incoming.images-in.group.id", "bench-" + run);
        props.put("quorum.image-scoring.output-topic", scored);
        props.put("quorum.image-scoring.model", meta.name());
        props.put("quorum.image-scoring.follow", "version:" + meta.version());
        props.put("quorum.image-scoring.already-aligned", Boolean.toString(!raw));
        props.put("quorum.models.store-dir", connection.store().root().toAbsolutePath().toString());
        props.put("quorum.models.cache-dir", serviceRun.runtime.resolve("cache/bench-image-scoring").toAbsolutePath().toString());
        props.put("quorum.inference.intra-op-threads", "1");
        KafkaClients clients = connection.clients();
        Map<String, Object> svc = new LinkedHashMap<>();
        int partitions = Topics.spec(Topics.IMAGES).orElseThrow().partitions();
        try (TopicAdmin admin = clients.topicAdmin()) {
            admin.awaitCluster(Duration.ofSeconds(30));
            admin.ensure(topics.stream().map(t -> new TopicSpec(t, partitions, false, false, 3_600_000L,
                    Topics.IMAGES_MAX_MESSAGE_BYTES)).toList());
            try (ServiceProcess p = ServiceProcess.start(serviceJar, serviceRun.jvmArgs, props,
                    serviceRun.runtime.resolve("logs/bench-image-scoring.log"), Duration.ofSeconds(180))) {
                log("image-scoring service ready on :%d (%s)", p.port(), raw ? "raw photos" : "aligned crops");
                Flow flow = new Flow(clients);
                flow.run(in, scored, "warm-", photos.subList(0, Math.min(20, photos.size())), 0, Duration.ofSeconds(serviceRun.timeout));
                CpuMeter cpu = CpuMeter.start(p.handle());
                Flow.Result r = flow.run(in, scored, "e2e-", photos, 0, Duration.ofSeconds(serviceRun.timeout));
                svc.put("photos", r.records());
                svc.put("seconds", round(r.seconds()));
                svc.put("photosPerSecond", round(r.perSecond()));
                svc.putAll(cpu.perRecord(r.records()));
                svc.put("latency", Latencies.summary(r.latenciesNanos()));
                log("service end to end: %.1f photos/s", r.perSecond());
            } finally {
                admin.admin().deleteTopics(topics);
            }
        }
        return svc;
    }

    /** One occlusion map with the service's default settings (patch 56, stride 28, 16 variants per call). */
    private static Map<String, Object> occlusion(byte[] onnx, byte[] crop) throws Exception {
        OcclusionSensitivity.Settings s = new OcclusionSensitivity.Settings(56, 28, 16);
        try (OnnxSession session = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            int size = ImageScorerSpec.size(session.signature());
            java.awt.image.BufferedImage img = Images.resize(new ImageDecoder().decode(crop), size, size);
            int[] calls = new int[1];
            OcclusionSensitivity.BatchScorer scorer = (x, n) -> {
                calls[0]++;
                return ImageScorerSpec.score(session, x, n, size);
            };
            OcclusionSensitivity.compute(img, size, s, scorer); // warm-up
            calls[0] = 0;
            long t0 = System.nanoTime();
            OcclusionSensitivity.Map map = OcclusionSensitivity.compute(img, size, s, scorer);
            double ms = (System.nanoTime() - t0) / 1e6;
            float[] one = new float[size * size * 3];
            Images.toNhwc(img, 1f, 0f, one, 0);
            long t1 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                ImageScorerSpec.score(session, one, 1, size);
            }
            double scoreMs = (System.nanoTime() - t1) / 1e6 / 5;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("patch", s.patch());
            m.put("stride", s.stride());
            m.put("positions", map.rows() * map.cols());
            m.put("scoringCalls", calls[0]);
            m.put("milliseconds", round(ms));
            m.put("oneScoreMilliseconds", round(scoreMs));
            m.put("costInScores", round(ms / scoreMs));
            log("occlusion map: %d positions in %d calls, %.0f ms (%.1f single scores)", map.rows() * map.cols(), calls[0],
                    ms, ms / scoreMs);
            return m;
        }
    }
}
