package io.quorum.cli;

import static io.quorum.cli.BenchSupport.log;
import static io.quorum.cli.BenchSupport.round;
import static io.quorum.cli.BenchSupport.round3;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.DevicePolicy;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.model.BundledEnsemble;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.EnsembleFusion;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
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
 * {@code bench ensemble}: the fused ensemble graph (one session, one call per batch) against one session per member
 * (the same members taken back out of the fused graph, {@link EnsembleFusion#member}) on the same batches, digits per
 * second at several batch sizes (target for N = 50: >= 3x); then the ensemble-voting service end to end over Kafka (an
 * instance this command starts, on throw-away {@code quorum.bench.<run>.*} topics, pinned to the same version) against
 * the fused graph in process at the service's batch size (target >= 0.7x). Prints JSON and keeps it in
 * {@code <runtime>/bench}.
 */
@Command(name = "ensemble", description = "Benchmark the ensemble: fused graph vs one session per member (target >= 3x at "
        + "N = 50); the ensemble-voting service over Kafka vs the fused graph in process (target >= 0.7x).")
final class BenchEnsemble implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Mixin
    BenchSupport.ServiceRun serviceRun;

    @Option(names = "--model", defaultValue = DigitEnsembleSpec.MODEL_NAME, description = "NAME or NAME:VERSION (default: "
            + "the champion of ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--model-dir", description = "a local ensemble version directory instead (implies --in-process-only)")
    Path modelDir;

    @Option(names = "--data", defaultValue = "mnist", description = "named data set the digits come from (default ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--batches", split = ",", defaultValue = "1,32,256", description = "batch sizes (default ${DEFAULT-VALUE})")
    List<Integer> batches = new ArrayList<>();

    @Option(names = "--seconds", defaultValue = "3", description = "seconds per in-process measurement (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--rounds", defaultValue = "3", description = "alternating measurements of each side per batch size; "
            + "the medians are reported (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--digits", defaultValue = "20000", description = "digits sent through the service (default ${DEFAULT-VALUE})")
    int digits;

    @Option(names = "--in-process-only", description = "measure the in-process graphs only (no Kafka, no service)")
    boolean inProcessOnly;

    @Option(names = "--service-jar", defaultValue = "services/ensemble-voting/target/quarkus-app/quarkus-run.jar",
            description = "the ensemble-voting service's runnable jar (default ${DEFAULT-VALUE})")
    Path serviceJar;

    @Option(names = "--service-property", description = "extra system property of the service instance, KEY=VALUE (repeatable)")
    Map<String, String> serviceProperties = new LinkedHashMap<>();

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads, in process and in the service")
    int threads;

    @Option(names = "--spin-wait", description = "let ONNX Runtime's worker threads spin between operators on both sides "
            + "(off by default: the idle pools of N separate sessions would otherwise spin and take the CPU the running one needs)")
    boolean spinWait;

    @Override
    public Integer call() throws Exception {
        if (seconds <= 0 || digits < 1 || rounds < 1 || batches.stream().anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("--seconds, --rounds, --digits and --batches must be positive");
        }
        boolean service = !inProcessOnly && modelDir == null;
        String run = Long.toString(System.currentTimeMillis(), 36);
        DigitSet set = DigitSets.load(data, DataDir.root());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "ensemble");
        out.put("startedAt", Instant.now().toString());
        out.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "java", System.getProperty("java.version")));
        out.put("data", data);
        out.put("threads", threads);
        Path dir;
        ModelPublished meta = null;
        if (modelDir != null) {
            dir = modelDir;
            BundledEnsemble.materialise(dir); // an ensemble kept as its members (the bundled default): fused first
            out.put("model", Map.of("dir", modelDir.toString()));
        } else {
            ModelResolver resolver = BenchSupport.resolver(connection, serviceRun.runtime);
            meta = resolver.model(ModelRef.parse(model));
            dir = resolver.fetch(meta);
            out.put("model", Map.of("name", meta.name(), "version", meta.version(), "sha256", meta.sha256()));
        }
        byte[] fusedBytes = Files.readAllBytes(dir.resolve("model.onnx"));
        InferenceOptions ort = new InferenceOptions(DevicePolicy.CPU, threads, 1, 0, spinWait);
        out.put("spinWait", spinWait);
        out.put("serviceSpinWait", serviceProperties.getOrDefault("quorum.inference.spin-wait",
                "false (the ensemble-voting service's default)"));
        Map<String, Object> local = new LinkedHashMap<>();
        double fusedAtServiceBatch;
        try (OnnxSession fused = OnnxSession.open(fusedBytes, ort)) {
            DigitEnsembleSpec.check(fused, null);
            List<String> names = DigitEnsembleSpec.memberNames(fused.metadata(), DigitEnsembleSpec.members(fused.signature()));
            out.put("members", names.size());
            List<OnnxSession> separate = new ArrayList<>();
            try {
                for (String n : names) {
                    separate.add(OnnxSession.open(EnsembleFusion.member(fusedBytes, n), ort));
                }
                for (int b : batches) {
                    float[][] x = Arrays.copyOf(set.images(), Math.min(b, set.size()));
                    // alternating rounds, medians: a load change on a shared machine hits both sides alike
                    double[] fr = new double[rounds];
                    double[] sr = new double[rounds];
                    for (int r = 0; r < rounds; r++) {
                        fr[r] = perSecond(() -> DigitEnsembleSpec.memberProbabilities(fused, x), x.length);
                        sr[r] = perSecond(() -> {
                            for (OnnxSession one : separate) {
                                DigitClassifierSpec.probabilities(one, x);
                            }
                        }, x.length);
                    }
                    double f = median(fr);
                    double s = median(sr);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("fusedDigitsPerSecond", round(f));
                    m.put("separateSessionsDigitsPerSecond", round(s));
                    m.put("fusedOverSeparate", round3(f / s));
                    local.put("batch" + b, m);
                    log("batch %d: fused %.1f digits/s, %d separate sessions %.1f digits/s (%.2fx)", b, f, names.size(), s, f / s);
                }
            } finally {
                separate.forEach(OnnxSession::close);
            }
            float[][] x = Arrays.copyOf(set.images(), Math.min(256, set.size()));
            fusedAtServiceBatch = perSecond(() -> DigitEnsembleSpec.memberProbabilities(fused, x), x.length);
        }
        out.put("inProcess", local);
        Map<String, Object> targets = new LinkedHashMap<>();
        Object largest = local.get("batch" + batches.stream().mapToInt(Integer::intValue).max().orElse(1));
        if (largest instanceof Map<?, ?> m) {
            targets.put("fusedOverSeparate>=3 (largest batch, " + out.get("members") + " members)",
                    ((Number) m.get("fusedOverSeparate")).doubleValue() >= 3);
        }
        if (!service) {
            out.put("service", "not run (" + (modelDir != null ? "--model-dir" : "--in-process-only") + ")");
        } else {
            Map<String, Object> svc = service(meta, set, run);
            out.put("service", svc);
            double perSecond = ((Number) svc.get("digitsPerSecond")).doubleValue();
            out.put("fusedInProcessBatch256DigitsPerSecond", round(fusedAtServiceBatch));
            out.put("serviceOverInProcess", round3(perSecond / fusedAtServiceBatch));
            targets.put("serviceOverInProcess>=0.7", perSecond / fusedAtServiceBatch >= 0.7);
        }
        out.put("targetsMet", targets);
        System.out.println(BenchSupport.keep(serviceRun.runtime, "ensemble", run, out));
        return 0;
    }

    /** The service end to end: digits in on a bench topic, every classification out, timed. */
    private Map<String, Object> service(ModelPublished meta, DigitSet set, String run) throws Exception {
        String in = Topics.BENCH_PREFIX + run + ".digits";
        String classified = Topics.BENCH_PREFIX + run + ".digits.classified";
        String suspicious = Topics.BENCH_PREFIX + run + ".digits.suspicious";
        List<String> topics = List.of(in, classified, suspicious, Topics.dlq(in));
        int partitions = Topics.spec(Topics.DIGITS).orElseThrow().partitions();
        Map<String, String> props = new LinkedHashMap<>(connection.serviceProperties());
        props.put("mp.messaging.incoming.digits-in.topic", in);
        props.put("mp.messaging.incoming.digits-in.group.id", "bench-" + run);
        props.put("quorum.ensemble-voting.output-topic", classified);
        props.put("quorum.ensemble-voting.suspicious-topic", suspicious);
        props.put("quorum.ensemble-voting.model", meta.name());
        props.put("quorum.ensemble-voting.follow", "version:" + meta.version());
        props.put("quorum.models.store-dir", connection.store().root().toAbsolutePath().toString());
        props.put("quorum.models.cache-dir", serviceRun.runtime.resolve("cache/bench-ensemble-voting").toAbsolutePath().toString());
        props.put("quorum.inference.intra-op-threads", Integer.toString(threads));
        props.putAll(serviceProperties);
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < digits; i++) {
            float[] img = set.images()[i % set.size()];
            byte[] px = new byte[img.length];
            for (int j = 0; j < px.length; j++) {
                px[j] = (byte) Math.round(img[j] * 255f);
            }
            payloads.add(Json.toBytes(new DigitSubmitted(DigitSubmitted.SCHEMA_VERSION, "bench-" + i,
                    DigitImage.ofBytes(set.width(), set.height(), px), set.labels()[i % set.size()], "bench", null,
                    System.currentTimeMillis())));
        }
        KafkaClients clients = connection.clients();
        Map<String, Object> svc = new LinkedHashMap<>();
        try (TopicAdmin admin = clients.topicAdmin()) {
            admin.awaitCluster(Duration.ofSeconds(30));
            admin.ensure(topics.stream().map(t -> new TopicSpec(t, partitions, false, false, 3_600_000L)).toList());
            try (ServiceProcess p = ServiceProcess.start(serviceJar, serviceRun.jvmArgs, props,
                    serviceRun.runtime.resolve("logs/bench-ensemble-voting.log"), Duration.ofSeconds(180))) {
                log("ensemble-voting service ready on :%d", p.port());
                Flow flow = new Flow(clients);
                flow.run(in, classified, "warm-", payloads.subList(0, Math.min(500, payloads.size())), 0,
                        Duration.ofSeconds(serviceRun.timeout));
                CpuMeter cpu = CpuMeter.start(p.handle());
                Flow.Result r = flow.run(in, classified, "e2e-", payloads, 0, Duration.ofSeconds(serviceRun.timeout));
                svc.put("digits", r.records());
                svc.put("seconds", round(r.seconds()));
                svc.put("digitsPerSecond", round(r.perSecond()));
                svc.put("maxBatchSize", 256);
                svc.putAll(cpu.perRecord(r.records()));
                svc.put("latency", Latencies.summary(r.latenciesNanos()));
                log("service end to end: %.1f digits/s", r.perSecond());
            } finally {
                admin.admin().deleteTopics(topics);
            }
        }
        return svc;
    }

    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /** Digits per second of {@code call} ({@code n} digits each), after a one-second warm-up. */
    private double perSecond(Call call, int n) throws Exception {
        long warm = System.nanoTime() + 1_000_000_000L;
        do {
            call.run();
        } while (System.nanoTime() < warm);
        long start = System.nanoTime();
        long done = 0;
        do {
            call.run();
            done += n;
        } while (System.nanoTime() - start < seconds * 1e9);
        return done / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
