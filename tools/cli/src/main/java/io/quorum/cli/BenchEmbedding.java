package io.quorum.cli;

import static io.quorum.cli.BenchSupport.round;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.data.PairFileReader;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.QuestionPosted;
import io.quorum.shared.inference.DevicePolicy;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.text.Embedder;
import io.quorum.text.Embedders;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench embedding}: sentences per second of MiniLM (fp32 and int8) in process versus through an embedding
 * service instance over Kafka ({@code QuestionPosted} in, {@code QuestionEmbedded} out), with the same ONNX Runtime
 * threads, measured side by side in one run; prints JSON.
 */
@Command(name = "embedding", description = "Benchmark MiniLM embedding: in process vs through the service over Kafka (fp32, int8).")
final class BenchEmbedding implements Callable<Integer> {

    @Mixin
    Connection connection;

    @Option(names = "--sentences", defaultValue = "2000", description = "sentences per measurement")
    int sentences;

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads, in process and in the service")
    int threads;

    @Option(names = "--service-jvm-arg", description = "JVM argument for the service instances (repeatable; default -Xmx512m)")
    List<String> serviceJvmArgs = new ArrayList<>(List.of("-Xmx512m"));

    @Option(names = "--spin-wait", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "ONNX Runtime threads spin between operators, in process and in the service (default; --no-spin-wait to compare)")
    boolean spinWait;

    @Option(names = "--data", description = "text source (QQP/MRPC file); default the MRPC training split in QUORUM_DATA_DIR")
    Path data;

    @Option(names = "--rounds", defaultValue = "4", description = "interleaved in-process / service rounds over the sentences")
    int rounds;

    @Option(names = "--content-mode", defaultValue = "json", description = "how the service writes its vectors: json or binary")
    String contentMode;

    @Option(names = "--service-jar", defaultValue = "services/embedding/target/quarkus-app/quarkus-run.jar")
    Path serviceJar;

    @Option(names = "--runtime", defaultValue = "runtime")
    Path runtime;

    @Override
    public Integer call() throws Exception {
        Path file = data != null ? data : DataDir.resolve("mrpc/msr_paraphrase_train.txt");
        List<String> texts = new ArrayList<>(new LinkedHashSet<>(texts(PairFileReader.read(file, PairFileReader.Format.AUTO).pairs())));
        if (texts.size() < sentences) {
            throw new IllegalArgumentException(file + " has only " + texts.size() + " distinct texts");
        }
        texts = texts.subList(0, sentences);
        ModelResolver models;
        RegistryState state;
        try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
            state = registry.snapshot(Duration.ofSeconds(30));
            models = new ModelResolver(state, connection.store(), runtime.resolve("cache/cli"));
        }
        String run = Long.toString(System.currentTimeMillis(), 36);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "embedding");
        out.put("startedAt", Instant.now().toString());
        out.put("sentences", sentences);
        out.put("threads", threads);
        out.put("spinWait", spinWait);
        out.put("texts", io.quorum.shared.data.DataDir.describe(file));
        out.put("contentMode", contentMode);
        out.put("loadAverageAtStart", BenchPairs.loadAverage());
        List<String> topics = new ArrayList<>();
        try (TopicAdmin admin = connection.clients().topicAdmin()) {
            for (String name : List.of("minilm", "minilm-q")) {
                ModelPublished meta = state.resolve(name, RegistryState.ALIAS_CHAMPION).orElseThrow(() ->
                        new IllegalStateException(name + " is not in the registry; ./quorum up publishes it"));
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("model", name + " v" + meta.version());
                // in process before and after the service run: the mean brackets any drift of a shared machine
                InferenceOptions ort = new InferenceOptions(DevicePolicy.CPU, threads, 1, 0, spinWait);
                Path modelDir = models.fetch(meta);
                Embedder local = Embedders.load(meta, modelDir, ort);
                double before;
                double after;
                double inRounds = 0;
                double svcRounds = 0;
                List<Double> roundRatios = new ArrayList<>();
                try {
                    before = inProcess(meta.name(), local, texts);
                    System.err.printf("[bench] %s in process: %.1f sentences/s%n", name, before);

                    String in = Topics.BENCH_PREFIX + run + "." + name + ".questions";
                    String outTopic = Topics.BENCH_PREFIX + run + "." + name + ".questions.embedded";
                    String unusedPairs = Topics.BENCH_PREFIX + run + "." + name + ".pairs";
                    List<String> mine = List.of(in, outTopic, unusedPairs, Topics.dlq(in), Topics.dlq(unusedPairs));
                    topics.addAll(mine);
                    admin.ensure(mine.stream().map(t -> new TopicSpec(t, 3, false, false, 3_600_000L)).toList());
                    Map<String, String> props = new LinkedHashMap<>();
                    props.putAll(connection.serviceProperties());
                    props.put("mp.messaging.incoming.questions-in.topic", in);
                    props.put("mp.messaging.incoming.questions-in.group.id", "bench-" + run + "-" + name);
                    props.put("mp.messaging.incoming.pairs-in.topic", unusedPairs);
                    props.put("mp.messaging.incoming.pairs-in.group.id", "bench-" + run + "-" + name + "-pairs");
                    props.put("quorum.embedding.questions-embedder", name);
                    props.put("quorum.embedding.pairs-embedder", name);
                    props.put("quorum.embedding.extra-embedders", "");
                    props.put("quorum.embedding.questions-output-topic", outTopic);
                    props.put("quorum.embedding.follow", "version:" + meta.version());
                    props.put("quorum.embedding.content-mode", contentMode);
                    props.put("quorum.inference.intra-op-threads", Integer.toString(threads));
                    props.put("quorum.inference.spin-wait", Boolean.toString(spinWait));
                    props.put("quorum.models.store-dir", connection.store().root().toString());
                    props.put("quorum.models.cache-dir", runtime.resolve("cache/bench").toAbsolutePath().toString());
                    Flow flow = new Flow(connection.clients());
                    double viaService;
                    try (ServiceProcess svc = ServiceProcess.start(serviceJar, serviceJvmArgs, props,
                            runtime.resolve("logs/bench-embedding-" + name + ".log"), Duration.ofSeconds(180))) {
                        List<String> warm = texts.subList(0, Math.min(300, texts.size()));
                        int[] round = {0};
                        warmUp(name + " service", svc.handle(), () -> {
                            String prefix = "warm" + round[0]++ + "-";
                            return flow.run(in, outTopic, prefix, payloads(prefix, warm), 0, Duration.ofSeconds(600)).perSecond();
                        });
                        double inferBefore = svc.metricSum("quorum_inference_seconds_sum");
                        double batchesBefore = svc.metricSum("quorum_inference_seconds_count");
                        Flow.Result res = flow.run(in, outTopic, "s-", payloads("s-", texts), 0, Duration.ofSeconds(1200));
                        viaService = res.perSecond();
                        // where the service's wall time went: inside inference calls, or between them
                        double batches = svc.metricSum("quorum_inference_seconds_count") - batchesBefore;
                        r.put("serviceInferenceShareOfWallTime",
                                Math.round((svc.metricSum("quorum_inference_seconds_sum") - inferBefore) / res.seconds() * 1000) / 1000.0);
                        r.put("serviceMeanBatch", batches > 0 ? round(res.records() / batches) : 0);
                        // interleaved rounds: in process, then the service, on the same texts, one after the other, so
                        // both see the same background load on a shared machine (a drift between the bracketing
                        // in-process runs and the service run otherwise moves the ratio by +-20%)
                        int per = texts.size() / rounds;
                        double inSeconds = 0;
                        double svcSeconds = 0;
                        for (int k = 0; k < rounds; k++) {
                            List<String> part = texts.subList(k * per, (k + 1) * per);
                            long t0 = System.nanoTime();
                            embedAll(local, part);
                            double inS = (System.nanoTime() - t0) / 1e9;
                            String prefix = "r" + k + "-";
                            Flow.Result rr = flow.run(in, outTopic, prefix, payloads(prefix, part), 0, Duration.ofSeconds(600));
                            inSeconds += inS;
                            svcSeconds += rr.seconds();
                            roundRatios.add(Math.round(inS / rr.seconds() * 1000) / 1000.0);
                        }
                        inRounds = rounds * per / inSeconds;
                        svcRounds = rounds * per / svcSeconds;
                    }
                    after = inProcess(meta.name(), local, texts);
                    System.err.printf("[bench] %s in process again: %.1f sentences/s%n", name, after);
                    double inProcess = (before + after) / 2;
                    r.put("inProcessSentencesPerSecond", round(inProcess));
                    r.put("inProcessBeforeAndAfter", List.of(round(before), round(after)));
                    r.put("serviceSentencesPerSecond", round(viaService));
                    r.put("serviceOverInProcess", Math.round(viaService / inProcess * 1000) / 1000.0);
                    Map<String, Object> paired = new LinkedHashMap<>();
                    paired.put("rounds", rounds);
                    paired.put("inProcessSentencesPerSecond", round(inRounds));
                    paired.put("serviceSentencesPerSecond", round(svcRounds));
                    paired.put("serviceOverInProcess", Math.round(svcRounds / inRounds * 1000) / 1000.0);
                    paired.put("perRound", roundRatios);
                    r.put("interleaved", paired);
                    r.put("target>=0.8", viaService / inProcess >= 0.8);
                    r.put("interleavedTarget>=0.8", svcRounds / inRounds >= 0.8);
                    System.err.printf("[bench] %s through the service: %.1f sentences/s (%.2f x); interleaved %.2f x %s%n",
                            name, viaService, viaService / inProcess, svcRounds / inRounds, roundRatios);
                } finally {
                    local.close();
                }
                out.put(name.equals("minilm") ? "fp32" : "int8", r);
            }
        } finally {
            try (TopicAdmin admin = connection.clients().topicAdmin()) {
                admin.admin().deleteTopics(topics);
            }
        }
        out.put("loadAverageAtEnd", BenchPairs.loadAverage());
        System.out.println(BenchSupport.keep(runtime, "embedding", run, out));
        return 0;
    }

    private static double inProcess(String what, Embedder e, List<String> texts) throws Exception {
        List<String> warm = texts.subList(0, Math.min(300, texts.size()));
        warmUp(what + " in process", ProcessHandle.current(), () -> {
            long t0 = System.nanoTime();
            embedAll(e, warm);
            return warm.size() / ((System.nanoTime() - t0) / 1e9);
        });
        long t0 = System.nanoTime();
        embedAll(e, texts);
        return texts.size() / ((System.nanoTime() - t0) / 1e9);
    }

    /** Something that runs a measured round and returns its rate. */
    @FunctionalInterface
    private interface Round {
        double run() throws Exception;
    }

    /**
     * Runs unmeasured rounds until the JIT compilers of {@code jvm} are quiet (under 3% of a core during a round) and
     * two rounds in a row agree within 10%; at most 15 rounds. A freshly started service JVM keeps C1/C2 busy on the
     * same 2 cores for tens of seconds, which a fixed warm-up under-counts.
     */
    private static void warmUp(String what, ProcessHandle jvm, Round round) throws Exception {
        double previous = 0;
        for (int i = 0; i < 15; i++) {
            double jit0 = CpuMeter.compilerCpuSeconds(jvm);
            long t0 = System.nanoTime();
            double rate = round.run();
            double jitShare = (CpuMeter.compilerCpuSeconds(jvm) - jit0) / ((System.nanoTime() - t0) / 1e9);
            System.err.printf("[bench]   %s warm-up %d: %.1f sentences/s (JIT %.0f%% of a core)%n", what, i, rate,
                    jitShare * 100);
            boolean quiet = jit0 < 0 || jitShare < 0.03;
            if (quiet && previous > 0 && Math.abs(rate - previous) / previous < 0.10) {
                return;
            }
            previous = rate;
        }
    }

    private static void embedAll(Embedder e, List<String> texts) {
        for (int from = 0; from < texts.size(); from += 64) {
            e.embed(texts.subList(from, Math.min(texts.size(), from + 64)));
        }
    }

    private static List<byte[]> payloads(String prefix, List<String> texts) {
        List<byte[]> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(Json.toBytes(new QuestionPosted(QuestionPosted.SCHEMA_VERSION, prefix + i, texts.get(i), null,
                    System.currentTimeMillis())));
        }
        return out;
    }

    static List<String> texts(List<LabeledPair> pairs) {
        List<String> t = new ArrayList<>();
        for (LabeledPair p : pairs) {
            t.add(p.left());
            t.add(p.right());
        }
        return t;
    }
}
