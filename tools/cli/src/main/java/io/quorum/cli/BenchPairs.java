package io.quorum.cli;

import static io.quorum.cli.BenchSupport.log;
import static io.quorum.cli.BenchSupport.round;
import static io.quorum.cli.BenchSupport.round3;

import io.quorum.shared.events.ContentMode;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.VectorCodec;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench pairs}: in-process ORT at batch 1/32/256 (pairs/s and CPU per pair), raw Kafka produce+consume, then per
 * content mode (JSON, binary) end-to-end through one pair-scoring instance (batched; its CPU per pair against the
 * in-process inference CPU), latency at half that rate with the service's per-stage means, and the per-record service
 * path (batch size 1), all in one run on the same model version; prints JSON.
 */
@Command(name = "pairs", description = "Benchmark pair scoring: in-process ORT vs raw Kafka vs the service, batched vs per record.")
final class BenchPairs implements Callable<Integer> {

    private static final VectorCodec<PairEmbedded> CODEC = VectorCodec.pairs();

    @Mixin
    Connection connection;

    @Option(names = "--records", description = "records for raw Kafka and end-to-end runs (default 200000)")
    int records = 200_000;

    @Option(names = "--per-record-records", description = "records for the per-record service run (default 20000; 0 skips it)")
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

    @Option(names = "--content-modes", split = ",", description = "content modes of the PairEmbedded records, measured one "
            + "after the other through the same service instance (default json,binary)")
    List<String> contentModes = new ArrayList<>(List.of("json", "binary"));

    @Option(names = "--runtime", defaultValue = "runtime", description = "runtime directory (logs, cache, results)")
    Path runtime;

    @Override
    public Integer call() throws Exception {
        List<ContentMode> modes = contentModes.stream().map(ContentMode::parse).distinct().toList();
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
        out.put("loadAverageAtStart", loadAverage());
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
                double[] rate = ortThroughput(session, dim, b);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("pairsPerSecond", round(rate[0]));
                r.put("cpuMicrosPerPair", round(rate[1]));
                ort.put("batch" + b, r);
                log("in-process ORT batch %d: %s pairs/s, %s us CPU per pair", b, r.get("pairsPerSecond"), r.get("cpuMicrosPerPair"));
            }
        }
        out.put("inProcessOrt", ort);
        double ortCpuPerPair = ((Number) ((Map<?, ?>) ort.get("batch256")).get("cpuMicrosPerPair")).doubleValue();

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
                Payloads json = Payloads.of(ContentMode.JSON, records, dim, embedder);
                warmUp(flow, raw, raw, "warm-", json, 0, null);
                CpuMeter rawCpu = CpuMeter.start(null);
                Flow.Result rawResult = flow.run(raw, raw, "raw-", json.values(), null, 0, Duration.ofSeconds(600));
                Map<String, Object> rawOut = new LinkedHashMap<>(Map.of("records", rawResult.records(),
                        "recordBytes", json.meanBytes(), "seconds", round(rawResult.seconds()),
                        "recordsPerSecond", round(rawResult.perSecond())));
                rawOut.putAll(rawCpu.perRecord(rawResult.records()));
                out.put("rawKafka", rawOut);
                log("raw Kafka produce+consume: %.0f records/s", rawResult.perSecond());

                // one service instance reads both modes (as during a migration); each mode is warmed up, then measured
                Map<String, String> props = serviceProperties(store, in, scored, model.version(), run);
                Map<String, Object> byMode = new LinkedHashMap<>();
                try (ServiceProcess svc = ServiceProcess.start(serviceJar, serviceJvmArgs, props,
                        runtime.resolve("logs/bench-pair-scoring-batched.log"), Duration.ofSeconds(120))) {
                    for (ContentMode mode : modes) {
                        Payloads p = mode == ContentMode.JSON ? json : Payloads.of(mode, records, dim, embedder);
                        byMode.put(mode.id(), measureMode(flow, svc, in, scored, p, ortCpuPerPair));
                    }
                }
                json = null;
                out.put("contentModes", byMode);

                Flow.Result single = null;
                if (perRecordRecords > 0) {
                    Map<String, String> perRecordProps = serviceProperties(store, in1, scored1, model.version(), run);
                    perRecordProps.put("quorum.pair-scoring.max-batch-size", "1");
                    perRecordProps.put("mp.messaging.incoming.pairs-in.group.id", "bench-" + run + "-per-record");
                    Payloads part = Payloads.of(modes.get(0), Math.min(perRecordRecords, records), dim, embedder);
                    try (ServiceProcess svc = ServiceProcess.start(serviceJar, serviceJvmArgs, perRecordProps,
                            runtime.resolve("logs/bench-pair-scoring-per-record.log"), Duration.ofSeconds(120))) {
                        warmUp(flow, in1, scored1, "warm1-", part, 5000, null);
                        single = flow.run(in1, scored1, "one-", part.values(), part.headers(), 0, Duration.ofSeconds(600));
                        log("per-record service path: %.0f records/s", single.perSecond());
                    }
                    out.put("perRecordService", Map.of("records", single.records(), "seconds", round(single.seconds()),
                            "recordsPerSecond", round(single.perSecond()), "maxBatchSize", 1, "contentMode", modes.get(0).id()));
                }
                double bestOrt = ((Number) ((Map<?, ?>) ort.get("batch256")).get("pairsPerSecond")).doubleValue();
                double floor = Math.min(bestOrt, rawResult.perSecond());
                Map<String, Object> ratios = new LinkedHashMap<>();
                Map<String, Object> targets = new LinkedHashMap<>();
                for (ContentMode mode : modes) {
                    Map<?, ?> r = (Map<?, ?>) byMode.get(mode.id());
                    Map<?, ?> e2e = (Map<?, ?>) r.get("endToEnd");
                    double perSecond = ((Number) e2e.get("recordsPerSecond")).doubleValue();
                    String k = mode.id() + ".";
                    ratios.put(k + "endToEndOverMinOrtKafka", round3(perSecond / floor));
                    if (single != null) {
                        ratios.put(k + "batchedOverPerRecord", round3(perSecond / single.perSecond()));
                        targets.put(k + "batchedOverPerRecord>=5", perSecond / single.perSecond() >= 5);
                    }
                    if (r.get("serviceCpuOverInProcessInferenceCpu") instanceof Double c) {
                        ratios.put(k + "serviceCpuOverInProcessInferenceCpu", c);
                        targets.put(k + "serviceCpuPerPair<=1.5xInProcessInference", c <= 1.5);
                    }
                    // the best ratio these cores allow: the raw Kafka path's CPU per record plus the service's own
                    if (rawOut.get("machineCpuMicrosPerRecord") instanceof Double rawMicros
                            && e2e.get("serviceCpuMicrosPerRecord") instanceof Double svcMicros) {
                        int cores = Runtime.getRuntime().availableProcessors();
                        ratios.put(k + "cpuBoundEndToEndOverMinOrtKafka", round3(cores * 1e6 / (rawMicros + svcMicros) / floor));
                    }
                    double p99 = ((Number) ((Map<?, ?>) r.get("latencyAtHalfMax")).get("p99Ms")).doubleValue();
                    targets.put(k + "latencyAtHalfMaxP99<=25ms", p99 <= 25);
                    targets.put(k + "endToEndOverMinOrtKafka>=0.7", perSecond / floor >= 0.7);
                }
                out.put("ratios", ratios);
                out.put("targetsMet", targets);
            } finally {
                admin.admin().deleteTopics(benchTopics);
            }
        }
        out.put("loadAverageAtEnd", loadAverage());
        System.out.println(BenchSupport.keep(runtime, "pairs", run, out));
        return 0;
    }

    /**
     * One content mode through the running service: warm-up, the full rate with the service's CPU per record (and
     * its inference share, from its own metrics), then paced traffic at half that rate with the latency and the
     * service's per-stage means over the paced run.
     */
    private Map<String, Object> measureMode(Flow flow, ServiceProcess svc, String in, String scored, Payloads p,
                                            double ortCpuPerPair) throws Exception {
        String id = p.mode().id();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("recordBytes", p.meanBytes());
        r.put("loadAverageBefore", loadAverage());
        warmUp(flow, in, scored, "warm-" + id + "-", p, 0, svc.handle());
        ServiceMetrics before = ServiceMetrics.read(svc);
        double gc0 = CpuMeter.gcCpuSeconds(svc.handle());
        double jit0 = CpuMeter.compilerCpuSeconds(svc.handle());
        CpuMeter cpu = CpuMeter.start(svc.handle());
        Flow.Result e2e = flow.run(in, scored, "e2e-" + id + "-", p.values(), p.headers(), 0, Duration.ofSeconds(600));
        Map<String, Object> e2eCpu = cpu.perRecord(e2e.records());
        double gc = CpuMeter.gcCpuSeconds(svc.handle()) - gc0;
        double jit = CpuMeter.compilerCpuSeconds(svc.handle()) - jit0;
        ServiceMetrics after = ServiceMetrics.read(svc);
        log("%s end to end (batched): %.0f records/s, %s", id, e2e.perSecond(), e2eCpu);
        Map<String, Object> e2eOut = new LinkedHashMap<>();
        e2eOut.put("records", e2e.records());
        e2eOut.put("seconds", round(e2e.seconds()));
        e2eOut.put("recordsPerSecond", round(e2e.perSecond()));
        e2eOut.put("maxBatchSize", 512);
        e2eOut.putAll(e2eCpu);
        e2eOut.put("serviceInferenceMicrosPerRecord", round(after.delta(before, "quorum_inference_seconds_sum") * 1e6 / e2e.records()));
        e2eOut.put("meanBatch", round(after.mean(before, "quorum_batch_size_records")));
        // the service's CPU that is neither inference nor record handling: its garbage collector and JIT compilers
        if (gc0 >= 0) {
            e2eOut.put("serviceGcCpuMicrosPerRecord", round(gc * 1e6 / e2e.records()));
            e2eOut.put("serviceJitCpuMicrosPerRecord", round(jit * 1e6 / e2e.records()));
        }
        r.put("endToEnd", e2eOut);
        if (e2eCpu.get("serviceCpuMicrosPerRecord") instanceof Double svcMicros) {
            r.put("serviceCpuOverInProcessInferenceCpu", round3(svcMicros / ortCpuPerPair));
        }

        double rate = e2e.perSecond() / 2;
        int n = (int) Math.min(p.values().size(), Math.max(1000, rate * latencySeconds));
        before = ServiceMetrics.read(svc);
        CpuMeter pacedCpu = CpuMeter.start(svc.handle());
        long pacedStart = System.nanoTime();
        Flow.Result paced = flow.run(in, scored, "lat-" + id + "-", p.values().subList(0, n),
                p.headers() == null ? null : p.headers().subList(0, n), rate, Duration.ofSeconds(600));
        after = ServiceMetrics.read(svc);
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("ratePerSecond", round(rate));
        latency.putAll(Latencies.summary(paced.latenciesNanos()));
        // how busy the shared cores were meanwhile (every process, this benchmark's and others'): waits grow with it
        if (pacedCpu.perRecord(n).get("machineCpuMicrosPerRecord") instanceof Double machineMicros) {
            double wall = (System.nanoTime() - pacedStart) / 1e9;
            latency.put("machineBusyShare", round3(machineMicros * n / 1e6 / (wall * Runtime.getRuntime().availableProcessors())));
        }
        latency.put("loadAverageAfter", loadAverage());
        // where a record's time goes, from the service's histograms over the paced run (means per batch, in ms)
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("meanBatch", round(after.mean(before, "quorum_batch_size_records")));
        stages.put("producedToBatchStartMeanMs", round(after.mean(before, "quorum_batch_wait_seconds") * 1e3));
        stages.put("producedToBatchStartP99MsAtMost", round(after.quantile(before, "quorum_batch_wait_seconds", 0.99) * 1e3));
        stages.put("inferenceMeanMs", round(after.mean(before, "quorum_inference_seconds") * 1e3));
        stages.put("producedToOutputSentMeanMs", round(after.mean(before, "quorum_end_to_end_seconds") * 1e3));
        stages.put("outputSentToAckedMeanMs", round(after.mean(before, "quorum_output_ack_seconds") * 1e3));
        stages.put("outputSentToAckedP99MsAtMost", round(after.quantile(before, "quorum_output_ack_seconds", 0.99) * 1e3));
        latency.put("serviceStages", stages);
        r.put("latencyAtHalfMax", latency);
        log("%s latency at %.0f records/s: %s", id, rate, latency);
        return r;
    }

    /** Benchmark records of one content mode: values and (binary mode) headers. */
    record Payloads(ContentMode mode, List<byte[]> values, List<Header[]> headers) {

        static Payloads of(ContentMode mode, int n, int dim, String embedder) {
            List<byte[]> values = new ArrayList<>(n);
            List<Header[]> headers = mode == ContentMode.JSON ? null : new ArrayList<>(n);
            Random rnd = new Random(7);
            for (int i = 0; i < n; i++) {
                PairEmbedded p = pair(rnd, i, dim, embedder);
                VectorCodec.Encoded e = CODEC.encode(p, mode, "/quorum/bench");
                values.add(e.value());
                if (headers != null) {
                    headers.add(e.headers().entrySet().stream().map(h -> (Header) new RecordHeader(h.getKey(),
                            h.getValue().getBytes(StandardCharsets.UTF_8))).toArray(Header[]::new));
                }
            }
            return new Payloads(mode, values, headers);
        }

        /** Mean bytes per record, value and headers. */
        long meanBytes() {
            double sum = 0;
            for (int i = 0; i < values.size(); i++) {
                sum += values.get(i).length;
                if (headers != null) {
                    for (Header h : headers.get(i)) {
                        sum += h.key().length() + h.value().length;
                    }
                }
            }
            return Math.round(sum / Math.max(1, values.size()));
        }

        Payloads head(int n) {
            return new Payloads(mode, values.subList(0, n), headers == null ? null : headers.subList(0, n));
        }
    }

    /** The service's Prometheus metrics at one moment: sums, counts and histogram buckets. */
    record ServiceMetrics(Map<String, Double> series) {

        static ServiceMetrics read(ServiceProcess svc) throws java.io.IOException {
            Map<String, Double> m = new LinkedHashMap<>();
            for (String line : svc.get("/q/metrics").split("\n")) {
                if (line.startsWith("quorum_") && !line.startsWith("#")) {
                    int sp = line.lastIndexOf(' ');
                    try {
                        m.merge(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)), Double::sum);
                    } catch (NumberFormatException e) {
                        // not a sample line
                    }
                }
            }
            return new ServiceMetrics(m);
        }

        /** Sum over every series of {@code name} (all labels), this snapshot minus {@code before}. */
        double delta(ServiceMetrics before, String name) {
            return total(name) - before.total(name);
        }

        private double total(String name) {
            double sum = 0;
            for (var e : series.entrySet()) {
                String k = e.getKey();
                if (k.equals(name) || k.startsWith(name + "{")) {
                    sum += e.getValue();
                }
            }
            return sum;
        }

        /** Mean observation of a histogram/summary over the interval (sum delta / count delta), 0 when none. */
        double mean(ServiceMetrics before, String base) {
            double count = delta(before, base + "_count");
            return count > 0 ? delta(before, base + "_sum") / count : 0;
        }

        /** Upper bound of the bucket holding quantile {@code q} of a histogram over the interval, 0 when none. */
        double quantile(ServiceMetrics before, String base, double q) {
            java.util.TreeMap<Double, Double> cumulative = new java.util.TreeMap<>();
            for (var e : series.entrySet()) {
                String k = e.getKey();
                int le = k.indexOf("le=\"");
                if (!k.startsWith(base + "_bucket{") || le < 0) {
                    continue;
                }
                String bound = k.substring(le + 4, k.indexOf('"', le + 4));
                double b = bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                cumulative.merge(b, e.getValue() - before.series.getOrDefault(k, 0.0), Double::sum);
            }
            double total = cumulative.isEmpty() ? 0 : cumulative.lastEntry().getValue();
            if (total <= 0) {
                return 0;
            }
            for (var e : cumulative.entrySet()) {
                if (e.getValue() >= q * total) {
                    return e.getKey();
                }
            }
            return cumulative.lastKey();
        }
    }

    /** {@code /proc/loadavg}'s 1, 5 and 15 minute averages (empty off Linux): how busy the shared machine was. */
    static List<Double> loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return List.of(Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]));
        } catch (java.io.IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Runs unmeasured flows until throughput is stable (two runs within 10%) and, given the service's process, its JIT
     * compilers are quiet (under 3% of a core during a round); at most 12 rounds. The JIT compilers of a fresh JVM
     * otherwise take a large share of two cores, and their CPU would count as the service's cost per record.
     *
     * @param limit records per round (0: up to 40,000)
     * @param jvm   the service under test, or null
     */
    private static void warmUp(Flow flow, String in, String out, String prefix, Payloads payloads, int limit,
                               ProcessHandle jvm) throws Exception {
        Payloads part = payloads.head(Math.min(limit > 0 ? limit : 40_000, payloads.values().size()));
        double previous = 0;
        for (int i = 0; i < 12; i++) {
            double jit0 = jvm == null ? -1 : CpuMeter.compilerCpuSeconds(jvm);
            long t0 = System.nanoTime();
            double rate = flow.run(in, out, prefix + i + "-", part.values(), part.headers(), 0, Duration.ofSeconds(300))
                    .perSecond();
            double jitShare = jit0 < 0 ? 0 : (CpuMeter.compilerCpuSeconds(jvm) - jit0) / ((System.nanoTime() - t0) / 1e9);
            log("  warm-up %d: %.0f records/s (service JIT %.0f%% of a core)", i, rate, jitShare * 100);
            if (jitShare < 0.03 && previous > 0 && Math.abs(rate - previous) / previous < 0.10) {
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

    /** Pairs per second and process CPU microseconds per pair of in-process inference at {@code batch}. */
    private double[] ortThroughput(OnnxSession session, int dim, int batch) throws Exception {
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
        ProcessHandle self = ProcessHandle.current();
        Duration cpu0 = self.info().totalCpuDuration().orElse(Duration.ZERO);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long pairs = 0;
        while (System.nanoTime() < end) {
            PairScorerSpec.score(session, l, r, batch, dim);
            pairs += batch;
        }
        double wall = (System.nanoTime() - start) / 1e9;
        Duration cpu = self.info().totalCpuDuration().orElse(Duration.ZERO).minus(cpu0);
        return new double[] {pairs / wall, cpu.toNanos() / 1e3 / pairs};
    }

    /** JSON {@code PairEmbedded} records of random vectors (seeded), as other benchmarks send them. */
    static List<byte[]> payloads(int n, int dim, String embedder) {
        return Payloads.of(ContentMode.JSON, n, dim, embedder).values();
    }

    private static PairEmbedded pair(Random rnd, int i, int dim, String embedder) {
        float[] a = new float[dim];
        float[] b = new float[dim];
        for (int j = 0; j < dim; j++) {
            a[j] = (float) rnd.nextGaussian();
            b[j] = (float) rnd.nextGaussian();
        }
        return new PairEmbedded(PairEmbedded.SCHEMA_VERSION, "bench-" + i, "l" + i, "r" + i,
                FloatVector.wrap(a), FloatVector.wrap(b), embedder, 1, System.currentTimeMillis());
    }
}
