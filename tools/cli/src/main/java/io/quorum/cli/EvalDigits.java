package io.quorum.cli;

import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.topics.Topics;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.AttackReport;
import io.quorum.vision.attack.Attacks;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.model.Classifier;
import io.quorum.vision.model.OnnxClassifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code eval digits}: a digit classifier's accuracy on labelled IDX images, clean and under attack. In process, the
 * registered model version (or a local version directory) runs on ONNX Runtime and the attacks of the vision library
 * make the adversarials; with {@code --via-kafka} the adversarial service makes and scores them
 * ({@code quorum.attacks.requested} to {@code quorum.attacks.generated}). Transfer: {@code --source-model} crafts the
 * adversarials on another model and scores them on the target. Prints JSON; {@code --pictures} also writes the seed's
 * pictures.
 */
@Command(name = "digits", description = "Accuracy of a digit classifier, clean and under attack (JSON: n, accuracy, attack, eps, "
        + "adversarialAccuracy, successRate, meanLinf, meanQueries...).")
final class EvalDigits implements Callable<Integer> {

    static final List<String> EVAL_ATTACKS = List.of("fgsm", "pgd", "genetic");

    @Mixin
    Connection connection;

    @Mixin
    DigitData digits;

    @Option(names = "--model", defaultValue = DigitClassifierSpec.MODEL_NAME,
            description = "the target: NAME (its champion) or NAME:VERSION (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--model-dir", description = "in process: a local version directory (model.onnx, gradient.onnx) "
            + "instead of a registered model")
    Path modelDir;

    @Option(names = "--attack", description = "fgsm, pgd or genetic (none: clean accuracy only)")
    String attack;

    @Option(names = "--eps", description = "L-inf budget (default 0.3)")
    Double eps;

    @Option(names = "--steps", description = "PGD steps (default 40)")
    Integer steps;

    @Option(names = "--step-size", description = "PGD step (default 2.5 * eps / steps)")
    Double stepSize;

    @Option(names = {"-P", "--param"}, description = "other attack parameters, KEY=VALUE (repeatable): random-start, target, "
            + "population, generations, max-queries, mutation, confidence")
    Map<String, String> params = new LinkedHashMap<>();

    @Option(names = "--source-model", description = "transfer: craft the adversarials on this model (NAME[:VERSION]) and "
            + "score them on --model")
    String sourceModel;

    @Option(names = "--source-model-dir", description = "in process: transfer from a local version directory")
    Path sourceModelDir;

    @Option(names = "--pictures", description = "write the grid and t-SNE PNGs into this directory")
    Path pictures;

    @Option(names = "--via-kafka", description = "have the adversarial service make the adversarials")
    boolean viaKafka;

    @Option(names = "--requests", defaultValue = "auto", description = "--via-kafka: per-image (each image inline), dataset "
            + "(one data-set request; the service reads the files) or auto (dataset for --data, per-image for files)")
    String requests;

    @Option(names = "--seed", defaultValue = "1", description = "random seed of the attacks and pictures")
    long seed;

    @Option(names = "--batch", defaultValue = "256", description = "images per attack batch in process")
    int batch;

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime threads in process")
    int threads;

    @Option(names = "--timeout", defaultValue = "900", description = "seconds to wait for the service (--via-kafka)")
    long timeout;

    @Option(names = "--runtime", defaultValue = "runtime")
    Path runtime;

    /** Checks the combination of options; throws {@link IllegalArgumentException} saying what is wrong. */
    void validate() {
        digits.validate();
        if (attack == null) {
            if (eps != null || steps != null || stepSize != null || !params.isEmpty() || sourceModel != null
                    || sourceModelDir != null || pictures != null) {
                throw new IllegalArgumentException("--eps, --steps, --step-size, --param, --source-model and --pictures need --attack");
            }
            if (viaKafka) {
                throw new IllegalArgumentException("--via-kafka evaluates through the adversarial service: give --attack");
            }
        } else {
            attack = attack.trim().toLowerCase(java.util.Locale.ROOT);
            if (!EVAL_ATTACKS.contains(attack)) {
                throw new IllegalArgumentException("--attack " + attack + " is not one of " + EVAL_ATTACKS
                        + (attack.equals("fooling") ? " (fooling images have no accuracy to evaluate: request them from "
                        + "the adversarial service)" : ""));
            }
            attackParams(); // refuses bad values now, by name
        }
        if (sourceModel != null && sourceModelDir != null) {
            throw new IllegalArgumentException("--source-model or --source-model-dir, not both");
        }
        if (viaKafka && (modelDir != null || sourceModelDir != null)) {
            throw new IllegalArgumentException("--via-kafka: the service attacks registered models; --model-dir is for in process");
        }
        if (!List.of("auto", "per-image", "dataset").contains(requests)) {
            throw new IllegalArgumentException("--requests is auto, per-image or dataset");
        }
        if (batch < 1 || threads < 1) {
            throw new IllegalArgumentException("--batch and --threads must be >= 1");
        }
    }

    /** The attack's parameters as the request carries them (strings). */
    Map<String, String> paramStrings() {
        Map<String, String> p = new LinkedHashMap<>(params);
        if (eps != null) {
            p.put("eps", Double.toString(eps));
        }
        if (steps != null) {
            p.put("steps", Integer.toString(steps));
        }
        if (stepSize != null) {
            p.put("step-size", Double.toString(stepSize));
        }
        return p;
    }

    AttackParams attackParams() {
        return AttackParams.parse(paramStrings());
    }

    DigitSet load() throws java.io.IOException {
        return digits.limit(digits.read());
    }

    String dataName() {
        return digits.describe();
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long start = System.nanoTime();
        DigitSet set = load();
        if (set.size() == 0) {
            throw new IllegalArgumentException("no images in " + dataName());
        }
        Map<String, Object> out = viaKafka ? viaKafka(set) : inProcess(set);
        out.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        System.out.println(Json.toPrettyString(out));
        return 0;
    }

    /** The models this command opens: the target, and the source when crafting elsewhere. */
    private final class Models implements AutoCloseable {
        OnnxClassifier target;
        String targetName;
        OnnxClassifier source;
        String sourceName;
        private ModelResolver resolver;

        Models(boolean needRegistry) throws Exception {
            if (needRegistry) {
                try (ModelRegistry registry = new ModelRegistry(connection.clients())) {
                    resolver = new ModelResolver(registry.snapshot(Duration.ofSeconds(30)), connection.store(),
                            runtime.resolve("cache/cli"));
                }
            }
        }

        OnnxClassifier open(Path dir) throws Exception {
            return OnnxClassifier.open(dir, InferenceOptions.cpu(threads));
        }

        /** Opens a registered version; returns its "name vN". */
        String openRegistered(ModelRef ref, boolean asSource) throws Exception {
            ModelPublished meta = resolver.model(ref);
            OnnxClassifier c = open(resolver.fetch(meta));
            if (asSource) {
                source = c;
            } else {
                target = c;
            }
            return meta.name() + " v" + meta.version();
        }

        /** Opens {@code name} at {@code version} (as the service reported it) for its features. */
        OnnxClassifier openVersion(String name, int version) throws Exception {
            target = open(resolver.fetch(resolver.model(new ModelRef(name, version))));
            return target;
        }

        @Override
        public void close() {
            if (source != null) {
                source.close();
            }
            if (target != null) {
                target.close();
            }
        }
    }

    private Map<String, Object> inProcess(DigitSet set) throws Exception {
        boolean registry = modelDir == null || sourceModel != null;
        try (Models m = new Models(registry)) {
            if (modelDir != null) {
                m.target = m.open(modelDir);
                m.targetName = modelDir.toString();
            } else {
                m.targetName = m.openRegistered(ModelRef.parse(model), false);
            }
            if (sourceModelDir != null) {
                m.source = m.open(sourceModelDir);
                m.sourceName = sourceModelDir.toString();
            } else if (sourceModel != null) {
                m.sourceName = m.openRegistered(ModelRef.parse(sourceModel), true);
            }
            checkShape(m.target, set, m.targetName);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("path", "in-process (ONNX Runtime)");
            out.put("data", dataName());
            out.put("model", m.targetName);
            float[][] clean = m.target.probabilities(set.images());
            int[] before = Classifier.argmax(clean);
            if (attack == null) {
                out.putAll(DigitsSummary.of(set.labels(), before, null, null, null, null, null).json(false, false));
                return out;
            }
            OnnxClassifier crafting = m.source != null ? m.source : m.target;
            if (m.source != null) {
                checkShape(m.source, set, m.sourceName);
            }
            AttackParams p = attackParams();
            if (Attacks.isWhiteBox(attack) && !crafting.hasGradient()) {
                throw new IllegalArgumentException("white-box attack " + attack + " needs " + DigitClassifierSpec.GRADIENT_ARTIFACT
                        + ", and " + (m.source != null ? m.sourceName : m.targetName) + " has none (attack it with genetic)");
            }
            long t0 = System.nanoTime();
            Outcome outcome = attackInBatches(crafting, set, p);
            double attackSeconds = (System.nanoTime() - t0) / 1e9;
            AttackReport r = AttackReport.score(m.target, set.images(), set.labels(), outcome, p.target(), p.confidence());
            out.put("attack", attack);
            out.put("eps", p.eps());
            out.put("params", paramStrings());
            if (m.source != null) {
                out.put("sourceModel", m.sourceName);
            }
            int n = set.size();
            int[] after = new int[n];
            boolean[] success = new boolean[n];
            double[] linf = new double[n];
            double[] l2 = new double[n];
            double[] confBefore = new double[n];
            double[] confAfter = new double[n];
            for (int i = 0; i < n; i++) {
                AttackReport.Item it = r.item(i);
                after[i] = it.predictionAfter();
                success[i] = it.success();
                linf[i] = it.linf();
                l2[i] = it.l2();
                confBefore[i] = it.confidenceBefore();
                confAfter[i] = it.confidenceAfter();
            }
            out.putAll(DigitsSummary.of(set.labels(), before, after, success, linf, l2, outcome.queries())
                    .json(true, Attacks.isBlackBox(attack)));
            out.put("adversarialsPerSecond", Math.round(n / attackSeconds * 10) / 10.0);
            if (pictures != null) {
                out.put("pictures", DigitsPictures.write(pictures, title(p.eps(), shortName(m.targetName, modelDir),
                                shortName(m.sourceName, sourceModelDir)),
                        DigitsPictures.prefix(attack, p.eps()), set, outcome.adversarial(),
                        new DigitsPictures.Verdicts(before, confBefore, after, confAfter), m.target, m.target.classNames(), seed)
                        .stream().map(Path::toString).toList());
            }
            return out;
        }
    }

    private String title(double e, String target, String source) {
        return attack.toUpperCase(java.util.Locale.ROOT) + " eps " + e + " on " + target
                + (source == null ? "" : " (crafted on " + source + ")");
    }

    /** A local model directory is named by its last path element in picture titles. */
    private static String shortName(String name, Path dir) {
        return dir == null || name == null ? name : String.valueOf(dir.toAbsolutePath().normalize().getFileName());
    }

    private static void checkShape(Classifier c, DigitSet set, String name) {
        if (c.inputSize() != set.pixels()) {
            throw new IllegalArgumentException(name + " takes " + c.inputSize() + " pixels; the images have " + set.pixels()
                    + " (" + set.height() + "x" + set.width() + ")");
        }
    }

    private Outcome attackInBatches(Classifier crafting, DigitSet set, AttackParams p) {
        Random rnd = new Random(seed);
        int n = set.size();
        float[][] adv = new float[n][];
        long[] queries = new long[n];
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            Outcome o = Attacks.run(attack, crafting, Arrays.copyOfRange(set.images(), from, to),
                    Arrays.copyOfRange(set.labels(), from, to), p, rnd);
            System.arraycopy(o.adversarial(), 0, adv, from, to - from);
            System.arraycopy(o.queries(), 0, queries, from, to - from);
            if (n > batch) {
                System.err.printf("\r%s: %d/%d images", attack, to, n);
            }
        }
        if (n > batch) {
            System.err.println();
        }
        return new Outcome(adv, queries);
    }

    /** Whether {@code --via-kafka} sends one data-set request (else one request per image). */
    boolean datasetRequests() {
        return requests.equals("dataset") || (requests.equals("auto") && digits.named());
    }

    /** The data set reference a data-set request carries: the name, or absolute IDX paths. */
    String datasetRef() {
        return digits.reference();
    }

    private Map<String, Object> viaKafka(DigitSet set) throws Exception {
        ModelRef target = ModelRef.parse(model);
        String source = sourceModel == null ? null : ModelRef.parse(sourceModel).toString();
        String run = "eval-digits-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, String> p = paramStrings();
        AttackParams checked = attackParams();
        List<AttackRequested> reqs = datasetRequests()
                ? List.of(AttackClient.dataset(run, target, attack, p, datasetRef(), set.size(), source))
                : AttackClient.perImage(run, target, attack, p, set, source);
        Set<String> ids = new HashSet<>();
        reqs.forEach(r -> ids.add(r.requestId()));
        int n = set.size();
        AdversarialGenerated[] byIndex = new AdversarialGenerated[n];
        int[] got = {0};
        try (AttackClient client = new AttackClient(connection.clients())) {
            client.send(reqs);
            client.await(ids, Duration.ofSeconds(timeout), g -> {
                int i = datasetRequests() ? g.index() : Integer.parseInt(g.requestId().substring(run.length() + 1));
                if (i >= 0 && i < n && byIndex[i] == null) {
                    byIndex[i] = g;
                    got[0]++;
                    if (got[0] % 100 == 0) {
                        System.err.printf("\r%d/%d adversarials", got[0], n);
                    }
                }
            });
        }
        if (got[0] >= 100) {
            System.err.println();
        }
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (byIndex[i] == null) {
                missing.add(i);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(missing.size() + " of " + n + " images came back without an adversarial (first: "
                    + missing.get(0) + ")");
        }
        int[] before = new int[n];
        int[] after = new int[n];
        boolean[] success = new boolean[n];
        double[] linf = new double[n];
        double[] l2 = new double[n];
        long[] queries = new long[n];
        double[] confBefore = new double[n];
        double[] confAfter = new double[n];
        float[][] adv = new float[n][];
        Map<String, Integer> served = new TreeMap<>();
        Map<String, Integer> crafted = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            AdversarialGenerated g = byIndex[i];
            before[i] = g.predictionBefore();
            after[i] = g.predictionAfter();
            success[i] = g.success();
            linf[i] = g.linf();
            l2[i] = g.l2();
            queries[i] = g.queries();
            confBefore[i] = g.confidenceBefore();
            confAfter[i] = g.confidenceAfter();
            adv[i] = g.image().intensities();
            served.merge(g.model() + " v" + g.modelVersion(), 1, Integer::sum);
            if (g.sourceModel() != null) {
                crafted.merge(g.sourceModel() + " v" + g.sourceVersion(), 1, Integer::sum);
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", "via-kafka: " + Topics.ATTACKS_REQUESTED + " -> adversarial -> " + Topics.ATTACKS_GENERATED
                + (datasetRequests() ? " (one data-set request: " + datasetRef() + ")" : " (" + n + " per-image requests)"));
        out.put("data", dataName());
        out.put("model", served.size() == 1 ? served.keySet().iterator().next() : target.toString());
        out.put("servedModels", served);
        out.put("attack", attack);
        out.put("eps", checked.eps());
        out.put("params", p);
        if (source != null) {
            out.put("sourceModel", crafted.size() == 1 ? crafted.keySet().iterator().next() : source);
        }
        out.putAll(DigitsSummary.of(set.labels(), before, after, success, linf, l2, queries).json(true, Attacks.isBlackBox(attack)));
        if (pictures != null) {
            AdversarialGenerated first = byIndex[0];
            try (Models m = new Models(true)) {
                OnnxClassifier features = null;
                try {
                    features = m.openVersion(first.model(), first.modelVersion());
                } catch (Exception e) {
                    System.err.println("note: cannot open " + first.model() + " v" + first.modelVersion()
                            + " here for its features (" + e.getMessage() + "): no t-SNE pictures");
                }
                out.put("pictures", DigitsPictures.write(pictures, title(checked.eps(), first.model() + " v" + first.modelVersion(),
                                source), DigitsPictures.prefix(attack, checked.eps()), set, adv,
                        new DigitsPictures.Verdicts(before, confBefore, after, confAfter), features,
                        features != null ? features.classNames() : set.classes(), seed)
                        .stream().map(Path::toString).toList());
            }
        }
        return out;
    }
}
