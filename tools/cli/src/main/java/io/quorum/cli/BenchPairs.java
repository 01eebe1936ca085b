package io.quorum.cli;

import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench pairs}: in-process ORT at batch 1/32/256, raw Kafka produce+consume at the same record size,
 * end-to-end through a pair-scoring instance (batched), latency at half that rate, and the per-record service
 * path (batch size 1), all in one run on the same model version; prints JSON.
 */
@Command(name = "pairs", description = "Benchmark pair scoring: in-process ORT vs raw Kafka vs the service, batched vs per record.")
final class BenchPairs implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Option(names = "--records", description = "records for raw Kafka and end-to-end runs (default 200000)")
    int records = 200_000;

    @Option(names = "--per-record-records", description = "records for the per-record service run (default 20000)")
    int perRecordRecords = 20_000;

    @Option(names = "--seconds", description = "seconds per in-process measurement (default 3)")
    double seconds = 3;

    @Option(names = "--latency-seconds", description = "seconds of paced traffic for the latency run (default 8)")
    double latencySeconds = 8;

    @Option(names = "--service-jar", description = "pair-scoring runnable jar",
            defaultValue = "services/pair-scoring/target/quarkus-app/quarkus-run.jar")
    Path serviceJar;

    @Option(names = "--service-jvm-arg", description = "JVM argument for the service instances (repeatable; default -Xmx512m)")
    List<String> serviceJvmArgs = new ArrayList<>(List.of("-Xmx512m"));

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads, in process and in the service (default 1)")
    int threads = 1;

    @Option(names = "--runtime", defaultValue = "runtime", description = "runtime directory (logs, cache, results)")
    Path runtime;

    @Override
    public Integer call() throws Exception {
        KafkaClients clients = connection.clients();
        FileSystemModelStore store = connection.store();
        ModelPublished model;
        try (ModelRegistry registry = new ModelRegistry(clients)) {
            model = registry.snapshot(Duration.ofSeconds(30)).resolve(PairScorerSpec.MODEL_NAME, RegistryState.ALIAS_CHAMPION)
                    .orElseThrow(() -> new IllegalStateException("no pair-scorer champion: run ./quorum up (it publishes the "
                            + "default) or ./quorum train pair-scorer"));
        }
        Path local = Files.createTempFile("bench-model-", ".onnx");
        local.toFile().deleteOnExit();
        store.fetch(URI.create(model.uri()), local);
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "pairs");
        out.put("startedAt", Instant.now().toString());
        out.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.version")));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", model.name());
        m.put("version", model.version());
        m.put("sha256", model.sha256());
        out.put("model", m);

        int dim;
        String embedder;
        Map<String, Object> ort = new LinkedHashMap<>();
        try (OnnxSession session = OnnxSession.open(local, InferenceOptions.cpu(threads))) {
            dim = PairScorerSpec.dimension(session.signature());
            // records must name the embedder the model was trained on, or the service dead-letters them
            embedder = session.metadata().get(PairScorerSpec.META_EMBEDDER);
            m.put("dimension", dim);
            for (int b : new int[] {1, 32, 256}) {
                ort.put("batch" + b, Map.of("pairsPerSecond", round(ortThroughput(session, dim, b))));
                log("in-process ORT batch %d: %s pairs/s", b, ((Map<?, ?>) ort.get("batch" + b)).get("pairsPerSecond"));
            }
        }
        out.put("inProcessOrt", ort);

        List<byte[]> payloads = payloads(records, dim, embedder);
        double bytes = payloads.stream().mapToInt(a -> a.length).average().orElse(0);
        out.put("recordBytes", Math.round(bytes));

        String raw = Topics.BENCH_PREFIX + run + ".raw";
        String in = Topics.BENCH_PREFIX + run + ".pairs.embedded";
        String scored = Topics.BENCH_PREFIX + run + ".pairs.scored";
        // the per-record instance gets topics of its own, so it never has to wade through the batched run's backlog
        String in1 = Topics.BENCH_PREFIX + run + ".single.pairs.embedded";
        String scored1 = Topics.BENCH_PREFIX + run + ".single.pairs.scored";
        int partitions = Topics.spec(Topics.PAIRS_EMBEDDED).orElseThrow().partitions();
        List<String> benchTopics = List.of(raw, in, scored, Topics.dlq(in), in1, scored1, Topics.dlq(in1));
        try (TopicAdmin admin = clients.topicAdmin()) {
            admin.awaitCluster(Duration.ofSeconds(30));
            List<TopicSpec> specs = benchTopics.stream()
                    .map(t -> new TopicSpec(t, partitions, false, false, 3_600_000L)).toList();
            admin.ensure(specs);
            try {
                Flow flow = new Flow(clients);
                warmUp(flow, raw, raw, "warm-", payloads);
                CpuMeter rawCpu = CpuMeter.start(null);
                Flow.Result rawResult = flow.run(raw, raw, "raw-", payloads, 0, Duration.ofSeconds(600));
                Map<String, Object> rawOut = new LinkedHashMap<>(Map.of("records", rawResult.records(),
                        "seconds", round(rawResult.seconds()), "recordsPerSecond", round(rawResult.perSecond())));
                rawOut.putAll(rawCpu.perRecord(rawResult.records()));
                out.put("rawKafka", rawOut);
                log("raw Kafka produce+consume: %.0f records/s", rawResult.perSecond());

                Map<String, String> props = serviceProperties(store, in, scored, model.version(), run);
                Flow.Result e2e;
                Map<String, Object> e2eCpu;
                Map<String, Object> latency;
                try (ServiceProcess svc = ServiceProcess.start(serviceJar, serviceJvmArgs, props,
                        runtime.resolve("logs/bench-pair-scoring-batched.log"), Duration.ofSeconds(120))) {
                    warmUp(flow, in, scored, "warm-", payloads);
                    CpuMeter cpu = CpuMeter.start(svc.handle());
                    e2e = flow.run(in, scored, "e2e-", payloads, 0, Duration.ofSeconds(600));
                    e2eCpu = cpu.perRecord(e2e.records());
                    log("end to end (batched): %.0f records/s", e2e.perSecond());
                    double rate = e2e.perSecond() / 2;
                    int n = (int) Math.min(payloads.size(), Math.max(1000, rate * latencySeconds));
                    Flow.Result paced = flow.run(in, scored, "lat-", payloads.subList(0, n), rate, Duration.ofSeconds(600));
                    latency = new LinkedHashMap<>();
                    latency.put("ratePerSecond", round(rate));
                    latency.putAll(Latencies.summary(paced.latenciesNanos()));
                    log("latency at %.0f records/s: %s", rate, latency);
                }
                Map<String, Object> e2eOut = new LinkedHashMap<>(Map.of("records", e2e.records(),
                        "seconds", round(e2e.seconds()), "recordsPerSecond", round(e2e.perSecond()), "maxBatchSize", 512));
                e2eOut.putAll(e2eCpu);
                out.put("endToEnd", e2eOut);
                out.put("latencyAtHalfMax", latency);

                Map<String, String> perRecordProps = serviceProperties(store, in1, scored1, model.version(), run);
                perRecordProps.put("quorum.pair-scoring.max-batch-size", "1");
                perRecordProps.put("mp.messaging.incoming.pairs-in.group.id", "bench-" + run + "-per-record");
                Flow.Result single;
                try (ServiceProcess svc = ServiceProcess.start(serviceJar, serviceJvmArgs, perRecordProps,
                        runtime.resolve("logs/bench-pair-scoring-per-record.log"), Duration.ofSeconds(120))) {
                    List<byte[]> part = payloads.subList(0, Math.min(perRecordRecords, payloads.size()));
                    warmUp(flow, in1, scored1, "warm1-", part.subList(0, Math.min(5000, part.size())));
                    single = flow.run(in1, scored1, "one-", part, 0, Duration.ofSeconds(600));
                    log("per-record service path: %.0f records/s", single.perSecond());
                }
                out.put("perRecordService", Map.of("records", single.records(), "seconds", round(single.seconds()),
                        "recordsPerSecond", round(single.perSecond()), "maxBatchSize", 1));

                double bestOrt = ((Number) ((Map<?, ?>) ort.get("batch256")).get("pairsPerSecond")).doubleValue();
                double floor = Math.min(bestOrt, rawResult.perSecond());
                Map<String, Object> ratios = new LinkedHashMap<>();
                ratios.put("endToEndOverMinOrtKafka", round3(e2e.perSecond() / floor));
                ratios.put("batchedOverPerRecord", round3(e2e.perSecond() / single.perSecond()));
                // the best ratio these cores allow: the raw Kafka path's CPU per record plus the service's own
                if (rawOut.get("machineCpuMicrosPerRecord") instanceof Double rawMicros
                        && e2eCpu.get("serviceCpuMicrosPerRecord") instanceof Double svcMicros) {
                    int cores = Runtime.getRuntime().availableProcessors();
                    ratios.put("cpuBoundEndToEndOverMinOrtKafka", round3(cores * 1e6 / (rawMicros + svcMicros) / floor));
                }
                out.put("ratios", ratios);
                Map<String, Object> targets = new LinkedHashMap<>();
                targets.put("endToEndOverMinOrtKafka>=0.7", e2e.perSecond() / floor >= 0.7);
                targets.put("batchedOverPerRecord>=5", e2e.perSecond() / single.perSecond() >= 5);
                out.put("targetsMet", targets);
            } finally {
                admin.admin().deleteTopics(benchTopics);
            }
        }
        String json = Json.toPrettyString(out);
        Path results = runtime.resolve("bench");
        Files.createDirectories(results);
        Files.writeString(results.resolve("pairs-" + run + ".json"), json);
        System.out.println(json);
        return 0;
    }

    /**
     * Runs unmeasured flows until throughput is stable (two runs within 10%, at most 8): the JIT compilers of the
     * JVMs involved otherwise take a large share of two cores during the first seconds.
     */
    private static void warmUp(Flow flow, String in, String out, String prefix, List<byte[]> payloads) throws Exception {
        List<byte[]> part = payloads.subList(0, Math.min(40_000, payloads.size()));
        double previous = 0;
        for (int i = 0; i < 8; i++) {
            double rate = flow.run(in, out, prefix + i + "-", part, 0, Duration.ofSeconds(300)).perSecond();
            log("  warm-up %d: %.0f records/s", i, rate);
            if (previous > 0 && Math.abs(rate - previous) / previous < 0.10) {
                return;
            }
            previous = rate;
        }
    }

    private Map<String, String> serviceProperties(FileSystemModelStore store, String in, String out,
                                                  int version, String run) {
        Map<String, String> p = new LinkedHashMap<>();
        p.putAll(connection.serviceProperties());
        p.put("mp.messaging.incoming.pairs-in.topic", in);
        p.put("mp.messaging.incoming.pairs-in.group.id", "bench-" + run + "-batched");
        p.put("quorum.pair-scoring.output-topic", out);
        p.put("quorum.pair-scoring.follow", "version:" + version);
        p.put("quorum.models.store-dir", store.root().toString());
        p.put("quorum.models.cache-dir", runtime.resolve("cache/bench").toAbsolutePath().toString());
        p.put("quorum.inference.intra-op-threads", Integer.toString(threads));
        return p;
    }

    private double ortThroughput(OnnxSession session, int dim, int batch) throws Exception {
        Random rnd = new Random(batch);
        float[] l = new float[batch * dim];
        float[] r = new float[batch * dim];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) rnd.nextGaussian();
            r[i] = (float) rnd.nextGaussian();
        }
        long warm = System.nanoTime() + 500_000_000L;
        while (System.nanoTime() < warm) {
            PairScorerSpec.score(session, l, r, batch, dim);
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long pairs = 0;
        while (System.nanoTime() < end) {
            PairScorerSpec.score(session, l, r, batch, dim);
            pairs += batch;
        }
        return pairs / ((System.nanoTime() - start) / 1e9);
    }

    static List<byte[]> payloads(int n, int dim, String embedder) {
        Random rnd = new Random(7);
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] a = new float[dim];
            float[] b = new float[dim];
            for (int j = 0; j < dim; j++) {
                a[j] = (float) rnd.nextGaussian();
                b[j] = (float) rnd.nextGaussian();
            }
            out.add(Json.toBytes(new PairEmbedded(PairEmbedded.SCHEMA_VERSION, "bench-" + i, "l" + i, "r" + i,
                    FloatVector.wrap(a), FloatVector.wrap(b), embedder, 1, System.currentTimeMillis())));
        }
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void log(String fmt, Object... args) {
        System.err.println("[bench] " + String.format(fmt, args));
    }
}
