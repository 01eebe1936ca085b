package io.quorum.cli;

import static io.quorum.cli.BenchSupport.log;
import static io.quorum.cli.BenchSupport.round;
import static io.quorum.cli.BenchSupport.round3;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.AttackReport;
import io.quorum.vision.attack.Attacks;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.OnnxClassifier;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench attacks}: FGSM and PGD-10 adversarials per second in process (the vision attacks on ONNX Runtime,
 * batched) and through the adversarial service over Kafka (a service instance this command starts, one data-set
 * request, and for FGSM also one request per image), and the genetic attack's queries per second; the same model
 * version everywhere. Both sides make the same thing: each adversarial with the figures an
 * {@code AdversarialGenerated} carries (the target's prediction and confidence before and after, L-inf, L2), so the
 * in-process side attacks and scores ({@link AttackReport#score}) each batch; both sides are warmed up first (the
 * service with a data-set request and, for the per-image run, a round of single-image requests). On a shared machine
 * the load drifts between measurements minutes apart, so each service run is measured between two in-process runs of
 * the same attack and its ratio is over their mean ({@code inProcessBesideService}). Prints JSON and
 * keeps it in {@code <runtime>/bench} (and in {@code --results}). {@code --in-process-only} (or
 * {@code --model-dir}) measures the in-process side alone, without Kafka. The service instance reads the real
 * {@code quorum.attacks.*} topics: stop a running adversarial service first ({@code ./quorum down}), or it shares the
 * requests and the cores; {@code --service-property} passes any other setting to the instance.
 */
@Command(name = "attacks", description = "Benchmark attacks: FGSM and PGD-10 adversarials/s in process vs through the "
        + "adversarial service over Kafka (target >= 0.7x); genetic attack queries/s.")
final class BenchAttacks implements Callable<Integer> {

    /** The per-image FGSM run's key in the JSON. */
    static final String PER_IMAGE = "fgsmPerImageRequests";

    @Mixin
    Connection connection;

    @Mixin
    BenchSupport.ServiceRun serviceRun;

    @Option(names = "--data", defaultValue = "mnist", description = "named data set to attack (default ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--images", defaultValue = "2000", description = "images per FGSM/PGD run (default ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--per-image-requests", defaultValue = "500",
            description = "images sent as one request each in the per-image FGSM run (default ${DEFAULT-VALUE}; 0: skip)")
    int perImageRequests;

    @Option(names = "--seconds", defaultValue = "5", description = "seconds per in-process measurement (default ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--eps", defaultValue = "0.3", description = "L-inf budget of every attack (default ${DEFAULT-VALUE})")
    double eps;

    @Option(names = "--genetic-images", defaultValue = "50", description = "images for the genetic attack (default ${DEFAULT-VALUE})")
    int geneticImages;

    @Option(names = "--genetic-max-queries", defaultValue = "2000", description = "its query budget per image (default ${DEFAULT-VALUE})")
    int geneticMaxQueries;

    @Option(names = "--model", defaultValue = DigitClassifierSpec.MODEL_NAME, description = "NAME or NAME:VERSION (default: the champion of ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--model-dir", description = "a local version directory instead (implies --in-process-only)")
    Path modelDir;

    @Option(names = "--in-process-only", description = "measure the in-process attacks only (no Kafka, no service)")
    boolean inProcessOnly;

    @Option(names = "--service-jar", defaultValue = "services/adversarial/target/quarkus-app/quarkus-run.jar",
            description = "the adversarial service's runnable jar (default ${DEFAULT-VALUE})")
    Path serviceJar;

    @Option(names = "--service-property", description = "extra system property of the service instance, KEY=VALUE (repeatable)")
    Map<String, String> serviceProperties = new LinkedHashMap<>();

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime intra-op threads, in process and in the service")
    int threads;

    @Option(names = "--results", description = "also write the JSON here (e.g. docs/results/bench-attacks.json)")
    Path results;

    @Option(names = "--note", description = "what else the machine was doing, recorded in the JSON")
    String note;

    @Override
    public Integer call() throws Exception {
        if (images < 1 || geneticImages < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--images, --genetic-images and --seconds must be positive");
        }
        boolean service = !inProcessOnly && modelDir == null;
        String run = Long.toString(System.currentTimeMillis(), 36);
        DigitSet all = DigitSets.load(data, DataDir.root());
        DigitSet set = all.head(images);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("benchmark", "attacks");
        out.put("startedAt", Instant.now().toString());
        out.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(), "java", System.getProperty("java.version")));
        out.put("data", data);
        out.put("images", set.size());
        out.put("eps", eps);
        out.put("threads", threads);
        // in process ONNX Runtime's default (spinning threads); the service's own default unless a property sets it
        out.put("spinWait", Map.of("inProcess", true, "service", serviceProperties.getOrDefault("quorum.inference.spin-wait",
                "false (the adversarial service's default)")));

        ModelRef ref = ModelRef.parse(model);
        Path dir;
        ModelPublished meta = null;
        if (modelDir != null) {
            dir = modelDir;
            out.put("model", Map.of("dir", modelDir.toString()));
        } else {
            ModelResolver resolver = BenchSupport.resolver(connection, serviceRun.runtime);
            meta = resolver.model(ref);
            dir = resolver.fetch(meta);
            out.put("model", Map.of("name", meta.name(), "version", meta.version(), "sha256", meta.sha256()));
        }

        Map<String, Object> local = new LinkedHashMap<>();
        try (OnnxClassifier c = OnnxClassifier.open(dir, InferenceOptions.cpu(threads))) {
            if (!c.hasGradient()) {
                throw new IllegalArgumentException("the model has no " + DigitClassifierSpec.GRADIENT_ARTIFACT
                        + ": FGSM and PGD cannot run on it");
            }
            local.put("fgsm", Map.of("adversarialsPerSecond", round(perSecond(c, set, "fgsm", params(Map.of())))));
            log("in process FGSM: %s adversarials/s", ((Map<?, ?>) local.get("fgsm")).get("adversarialsPerSecond"));
            local.put("pgd10", Map.of("adversarialsPerSecond", round(perSecond(c, set, "pgd", params(Map.of("steps", "10"))))));
            log("in process PGD-10: %s adversarials/s", ((Map<?, ?>) local.get("pgd10")).get("adversarialsPerSecond"));
            local.put("genetic", genetic(c, all.head(geneticImages)));
            log("in process genetic: %s", local.get("genetic"));
            out.put("inProcess", local);

            if (!service) {
                out.put("service", "not run (" + (modelDir != null ? "--model-dir" : "--in-process-only") + ")");
            } else {
                Map<String, double[]> beside = new LinkedHashMap<>();
                Map<String, Object> svc = service(meta, set, run, c, beside);
                out.put("service", svc);
                Map<String, Object> besideOut = new LinkedHashMap<>();
                Map<String, Object> ratios = new LinkedHashMap<>();
                Map<String, Object> targets = new LinkedHashMap<>();
                for (var e : beside.entrySet()) {
                    String k = e.getKey();
                    double l = (e.getValue()[0] + e.getValue()[1]) / 2;
                    besideOut.put(k, Map.of("before", round(e.getValue()[0]), "after", round(e.getValue()[1]),
                            "adversarialsPerSecond", round(l)));
                    double s = ((Number) ((Map<?, ?>) svc.get(k)).get("adversarialsPerSecond")).doubleValue();
                    ratios.put(k + "ServiceOverInProcess", round3(s / l));
                    if (!k.equals(PER_IMAGE)) {
                        targets.put(k + "ServiceOverInProcess>=0.7", s / l >= 0.7);
                    }
                }
                out.put("inProcessBesideService", besideOut);
                out.put("ratios", ratios);
                out.put("ratioBasis", "each service rate over the mean of the in-process rates of the same attack "
                        + "measured right before and right after it (so both see the same load on a shared machine)");
                out.put("targetsMet", targets);
            }
        }
        out.put("command", "./quorum bench attacks" + (images == 2000 ? "" : " --images " + images));
        if (note != null) {
            out.put("note", note);
        }
        String json = BenchSupport.keep(serviceRun.runtime, "attacks", run, out);
        BenchSupport.writeResults(results, json);
        System.out.println(json);
        return 0;
    }

    private Map<String, String> params(Map<String, String> more) {
        Map<String, String> p = new LinkedHashMap<>(more);
        p.put("eps", Double.toString(eps));
        return p;
    }

    /**
     * Adversarials per second of {@code attack} in batches of 256, each batch scored on the model as the service
     * scores it (the figures of its records), after a one-second warm-up.
     */
    private double perSecond(OnnxClassifier c, DigitSet set, String attack, Map<String, String> p) {
        AttackParams ap = AttackParams.parse(p);
        Random rnd = new Random(1);
        int batch = Math.min(256, set.size());
        int from = 0;
        long warm = System.nanoTime() + 1_000_000_000L;
        long start = 0;
        long made = 0;
        boolean measuring = false;
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= warm) {
                measuring = true;
                start = now;
            } else if (measuring && now - start >= seconds * 1e9) {
                break;
            }
            int to = Math.min(set.size(), from + batch);
            float[][] x = Arrays.copyOfRange(set.images(), from, to);
            int[] y = Arrays.copyOfRange(set.labels(), from, to);
            AttackReport.score(c, x, y, Attacks.run(attack, c, x, y, ap, rnd), ap.target(), ap.confidence());
            if (measuring) {
                made += to - from;
            }
            from = to == set.size() ? 0 : to;
        }
        return made / ((System.nanoTime() - start) / 1e9);
    }

    private Map<String, Object> genetic(OnnxClassifier c, DigitSet set) {
        AttackParams p = AttackParams.parse(params(Map.of("max-queries", Integer.toString(geneticMaxQueries),
                "generations", Integer.toString(geneticMaxQueries))));
        long t0 = System.nanoTime();
        Outcome o = Attacks.run("genetic", c, set.images(), set.labels(), p, new Random(1));
        double s = (System.nanoTime() - t0) / 1e9;
        AttackReport r = AttackReport.score(c, set.images(), set.labels(), o, -1, 0);
        long queries = Arrays.stream(o.queries()).sum();
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("images", set.size());
        g.put("maxQueries", geneticMaxQueries);
        g.put("queries", queries);
        g.put("seconds", round(s));
        g.put("queriesPerSecond", round(queries / s));
        g.put("successRate", round3(r.successRate()));
        g.put("queriesPerSuccess", Double.isFinite(r.meanQueriesPerSuccess()) ? round(r.meanQueriesPerSuccess()) : null);
        return g;
    }

    /**
     * The same runs through a service instance started for the benchmark, each between two in-process measurements
     * of the same attack on {@code c} (kept in {@code beside}: before, after).
     */
    private Map<String, Object> service(ModelPublished meta, DigitSet set, String run, OnnxClassifier c,
                                        Map<String, double[]> beside) throws Exception {
        ModelRef pinned = new ModelRef(meta.name(), meta.version());
        Map<String, String> props = new LinkedHashMap<>(connection.serviceProperties());
        props.put("quorum.models.store-dir", connection.store().root().toAbsolutePath().toString());
        props.put("quorum.models.cache-dir", serviceRun.runtime.resolve("cache/bench-adversarial").toAbsolutePath().toString());
        props.put("quorum.inference.intra-op-threads", Integer.toString(threads));
        props.putAll(serviceProperties);
        Map<String, Object> svc = new LinkedHashMap<>();
        try (ServiceProcess p = ServiceProcess.start(serviceJar, serviceRun.jvmArgs, props,
                serviceRun.runtime.resolve("logs/bench-adversarial.log"), Duration.ofSeconds(180));
             AttackClient client = new AttackClient(connection.clients())) {
            log("adversarial service ready on :%d", p.port());
            // as long as a measured run: the in-process side is warm after its first second, so is the service here
            timed(client, List.of(AttackClient.dataset(run + "-warm", pinned, "fgsm", params(Map.of()), data,
                    set.size(), null)), 0);
            svc.put("fgsm", beside(c, set, "fgsm", params(Map.of()), beside, "fgsm", () -> timed(client,
                    List.of(AttackClient.dataset(run + "-fgsm", pinned, "fgsm", params(Map.of()), data, set.size(), null)),
                    set.size())));
            log("service FGSM (data-set request): %s", svc.get("fgsm"));
            svc.put("pgd10", beside(c, set, "pgd", params(Map.of("steps", "10")), beside, "pgd10", () -> timed(client,
                    List.of(AttackClient.dataset(run + "-pgd", pinned, "pgd", params(Map.of("steps", "10")), data,
                            set.size(), null)), set.size())));
            log("service PGD-10 (data-set request): %s", svc.get("pgd10"));
            if (perImageRequests > 0) {
                DigitSet part = set.head(perImageRequests);
                timed(client, AttackClient.perImage(run + "-one-warm", pinned, "fgsm", params(Map.of()),
                        set.head(Math.min(perImageRequests, 256)), null), 0);
                svc.put(PER_IMAGE, beside(c, set, "fgsm", params(Map.of()), beside, PER_IMAGE, () -> timed(client,
                        AttackClient.perImage(run + "-one", pinned, "fgsm", params(Map.of()), part, null), part.size())));
                log("service FGSM (one request per image): %s", svc.get(PER_IMAGE));
            }
            int g = Math.min(geneticImages, set.size());
            Map<String, Object> gen = timed(client, List.of(AttackClient.dataset(run + "-genetic", pinned, "genetic",
                    params(Map.of("max-queries", Integer.toString(geneticMaxQueries), "generations",
                            Integer.toString(geneticMaxQueries))), data, g, null)), g);
            svc.put("genetic", gen);
            log("service genetic: %s", gen);
        }
        return svc;
    }

    /** Runs {@code serviceRun} between two in-process measurements of {@code attack}, kept in {@code beside}. */
    private Map<String, Object> beside(OnnxClassifier c, DigitSet set, String attack, Map<String, String> p,
                                       Map<String, double[]> beside, String key,
                                       java.util.function.Supplier<Map<String, Object>> serviceRun) {
        double before = perSecond(c, set, attack, p);
        Map<String, Object> m = serviceRun.get();
        double after = perSecond(c, set, attack, p);
        beside.put(key, new double[] {before, after});
        log("in process %s beside the service run: %.1f before, %.1f after", attack, before, after);
        return m;
    }

    /** Sends {@code requests} and times them until every one completed; adversarials and queries per second. */
    private Map<String, Object> timed(AttackClient client, List<AttackRequested> requests, int expected) {
        Set<String> ids = new HashSet<>();
        requests.forEach(r -> ids.add(r.requestId()));
        long[] queries = {0};
        int[] made = {0};
        long t0 = System.nanoTime();
        client.send(requests);
        client.await(ids, Duration.ofSeconds(serviceRun.timeout), g -> {
            made[0]++;
            queries[0] += g.queries();
        });
        double s = (System.nanoTime() - t0) / 1e9;
        if (expected > 0 && made[0] < expected) {
            throw new IllegalStateException("the service made " + made[0] + " adversarials of " + expected);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests.size());
        m.put("adversarials", made[0]);
        m.put("seconds", round(s));
        m.put("adversarialsPerSecond", round(made[0] / s));
        m.put("queriesPerSecond", round(queries[0] / s));
        return m;
    }
}
