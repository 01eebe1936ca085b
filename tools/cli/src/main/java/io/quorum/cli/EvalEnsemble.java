package io.quorum.cli;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.BundledEnsemble;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.AttackReport;
import io.quorum.vision.attack.Attacks;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.ensemble.OnnxEnsemble;
import io.quorum.vision.ensemble.Vote;
import io.quorum.vision.model.Classifier;
import io.quorum.vision.model.GradientClassifier;
import io.quorum.vision.model.OnnxClassifier;
import io.quorum.vision.picture.TsnePlot;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code eval ensemble}: the seed's table for fused ensembles ({@code digit-ensemble}), in process on ONNX Runtime.
 * Adversarials are crafted once on the source classifier ({@code --adversarial-from}, the baseline: FGSM eps 0.3 by
 * default) and transferred to every ensemble given; from one fused call per image set every row follows: the first n
 * trained members for each prefix (5, 25, 50 of one N=50 model), with and without the baseline member when the
 * ensemble has one, clean and transferred accuracy under the mean, max and majority votes, the best single member,
 * and the detector's ROC AUC. Then what the seed could not measure: white-box FGSM/PGD on the ensemble's own
 * gradient, the genetic black-box attack against the served vote, the detector on both. Prints JSON with the seed's
 * figures beside; {@code --pictures} writes a t-SNE of the members' probabilities, clean vs transferred.
 */
@Command(name = "ensemble", description = "The seed's ensemble table (JSON): clean and transferred-attack accuracy of the "
        + "best single member and the mean/max/majority votes for N prefixes, uniform vs bootstrap, with and without the "
        + "baseline member; white-box FGSM/PGD on the ensemble gradient; genetic attack on the served vote; detector ROC AUC.")
final class EvalEnsemble implements Callable<Integer> {

    /** The seed's figures (MNIST, FGSM eps 0.3 made on its baseline), for the table beside ours. */
    static final Map<String, Object> SEED = seed();

    @Mixin
    Connection connection;

    @Mixin
    DigitData digits;

    @Option(names = "--holdout", description = "evaluate on the validation split the jobs hold out: this fraction, drawn "
            + "stratified with --split-seed (mnist: 0.2, the digit-classifier and digit-ensemble jobs' default)")
    Double holdout;

    @Option(names = "--split-seed", defaultValue = "42", description = "seed of --holdout's split (the jobs' split-seed)")
    long splitSeed;

    @Option(names = "--model", description = "an ensemble: NAME (its champion) or NAME:VERSION (repeatable: e.g. a uniform "
            + "and a bootstrap one; default " + DigitEnsembleSpec.MODEL_NAME + ")")
    List<String> models = new ArrayList<>();

    @Option(names = "--model-dir", description = "a local ensemble version directory instead (repeatable)")
    List<Path> modelDirs = new ArrayList<>();

    @Option(names = "--adversarial-from", description = "the classifier the transferred adversarials are made on: "
            + "NAME[:VERSION] (e.g. digit-classifier, the baseline)")
    String adversarialFrom;

    @Option(names = "--adversarial-from-dir", description = "... or a local classifier version directory")
    Path adversarialFromDir;

    @Option(names = "--attack", defaultValue = "fgsm", description = "the transferred attack: fgsm or pgd (default ${DEFAULT-VALUE})")
    String attack;

    @Option(names = "--eps", defaultValue = "0.3", description = "L-inf budget of every attack (default ${DEFAULT-VALUE})")
    double eps;

    @Option(names = "--prefixes", split = ",", defaultValue = "1,5,25,50",
            description = "ensemble sizes n: the first n trained members (default ${DEFAULT-VALUE}; sizes above N are dropped, N is added)")
    List<Integer> prefixes = new ArrayList<>();

    @Option(names = "--white-box", split = ",", defaultValue = "fgsm,pgd",
            description = "white-box attacks on the ensemble's own gradient (fgsm, pgd or none; default ${DEFAULT-VALUE})")
    List<String> whiteBox = new ArrayList<>();

    @Option(names = "--white-box-n", defaultValue = "200", description = "images the white-box attacks use (default ${DEFAULT-VALUE})")
    int whiteBoxN;

    @Option(names = "--pgd-steps", defaultValue = "20", description = "PGD iterations (default ${DEFAULT-VALUE}; step 2.5 eps / steps)")
    int pgdSteps;

    @Option(names = "--genetic-n", defaultValue = "50", description = "images the genetic attack uses against the served vote "
            + "(0: skip; default ${DEFAULT-VALUE})")
    int geneticN;

    @Option(names = "--genetic-max-queries", defaultValue = "2000", description = "its query budget per image (default ${DEFAULT-VALUE})")
    int geneticMaxQueries;

    @Option(names = "--vote", defaultValue = "max", description = "the vote the genetic attack faces: the service's "
            + "(default ${DEFAULT-VALUE})")
    String vote;

    @Option(names = "--pictures", description = "write a t-SNE of the members' probabilities (clean vs transferred) here")
    Path pictures;

    @Option(names = "--seed", defaultValue = "1", description = "random seed of the attacks and pictures")
    long seed;

    @Option(names = "--threads", defaultValue = "2", description = "ONNX Runtime threads")
    int threads;

    @Option(names = "--runtime", defaultValue = "runtime")
    Path runtime;

    void validate() {
        digits.validate();
        if (holdout != null && !(holdout > 0 && holdout < 1)) {
            throw new IllegalArgumentException("--holdout must be in (0, 1)");
        }
        if (adversarialFrom != null && adversarialFromDir != null) {
            throw new IllegalArgumentException("--adversarial-from or --adversarial-from-dir, not both");
        }
        attack = attack.trim().toLowerCase(java.util.Locale.ROOT);
        if (!attack.equals("fgsm") && !attack.equals("pgd")) {
            throw new IllegalArgumentException("--attack is fgsm or pgd (transferred white-box adversarials)");
        }
        AttackParams.parse(Map.of("eps", Double.toString(eps)));
        for (String w : whiteBox) {
            if (!List.of("fgsm", "pgd", "none").contains(w.trim())) {
                throw new IllegalArgumentException("--white-box takes fgsm, pgd or none, not " + w);
            }
        }
        Vote.parse(vote);
        if (prefixes.stream().anyMatch(n -> n < 1) || whiteBoxN < 1 || geneticN < 0 || pgdSteps < 1 || threads < 1) {
            throw new IllegalArgumentException("--prefixes, --white-box-n, --pgd-steps and --threads must be >= 1, "
                    + "--genetic-n >= 0");
        }
    }

    DigitSet load() throws java.io.IOException {
        DigitSet set = digits.read();
        return digits.limit(holdout == null ? set : set.split(holdout, splitSeed)[1]);
    }

    String dataName() {
        return digits.describe() + (holdout != null ? String.format(" (held-out split %s, seed %d)", holdout, splitSeed) : "");
    }

    @Override
    public Integer call() throws Exception {
        validate();
        long start = System.nanoTime();
        DigitSet set = load();
        if (set.size() == 0) {
            throw new IllegalArgumentException("no images in " + dataName());
        }
        if (models.isEmpty() && modelDirs.isEmpty()) {
            models.add(DigitEnsembleSpec.MODEL_NAME);
        }
        boolean registry = !models.isEmpty() || adversarialFrom != null;
        ModelResolver resolver = null;
        if (registry) {
            try (ModelRegistry r = new ModelRegistry(connection.clients())) {
                resolver = new ModelResolver(r.snapshot(Duration.ofSeconds(30)), connection.store(), runtime.resolve("cache/cli"));
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("path", "in-process (ONNX Runtime, one fused call per image set)");
        out.put("data", dataName());
        out.put("n", set.size());
        InferenceOptions ort = InferenceOptions.cpu(threads);
        AttackParams params = AttackParams.parse(attack.equals("pgd") ? Map.of("eps", Double.toString(eps), "steps",
                Integer.toString(pgdSteps)) : Map.of("eps", Double.toString(eps)));

        float[][] transferred = null;
        if (adversarialFrom != null || adversarialFromDir != null) {
            Path dir;
            String name;
            if (adversarialFromDir != null) {
                dir = adversarialFromDir;
                name = adversarialFromDir.toString();
            } else {
                ModelPublished meta = resolver.model(ModelRef.parse(adversarialFrom));
                dir = resolver.fetch(meta);
                name = meta.name() + " v" + meta.version();
            }
            try (OnnxClassifier source = OnnxClassifier.open(dir, ort)) {
                if (!source.hasGradient()) {
                    throw new IllegalArgumentException(name + " has no gradient.onnx: it cannot craft " + attack + " adversarials");
                }
                log("crafting %s eps %s on %s for %d images", attack, eps, name, set.size());
                transferred = attackInBatches(attack, source, set, params, new Random(seed));
                Map<String, Object> src = new LinkedHashMap<>();
                src.put("model", name);
                src.put("clean", EnsembleFigures.round(Robust.accuracy(source, set.images(), set.labels())));
                src.put("underItsOwnAttack", EnsembleFigures.round(Robust.accuracy(source, transferred, set.labels())));
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("name", attack);
                a.put("eps", eps);
                if (attack.equals("pgd")) {
                    a.put("steps", pgdSteps);
                }
                a.put("craftedOn", name);
                out.put("attack", a);
                out.put("source", src);
            }
        } else {
            out.put("attack", "none: give --adversarial-from NAME[:VERSION] for the transferred columns");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        List<Object[]> opened = new ArrayList<>();
        for (String m : models) {
            ModelPublished meta = resolver.model(ModelRef.parse(m));
            opened.add(new Object[] {meta.name() + " v" + meta.version(), resolver.fetch(meta)});
        }
        for (Path d : modelDirs) {
            BundledEnsemble.materialise(d); // an ensemble kept as its members (the bundled default): fused first
            opened.add(new Object[] {d.toString(), d});
        }
        for (Object[] o : opened) {
            try (OnnxEnsemble e = OnnxEnsemble.open((Path) o[1], ort)) {
                results.add(evaluate((String) o[0], e, set, transferred));
            }
        }
        out.put("ensembles", results);
        if (results.size() > 1) {
            out.put("comparison", compare(results));
        }
        out.put("seed", SEED);
        out.put("seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        System.out.println(Json.toPrettyString(out));
        return 0;
    }

    /** Every figure of one ensemble. */
    private Map<String, Object> evaluate(String name, OnnxEnsemble e, DigitSet set, float[][] transferred) throws Exception {
        if (e.inputSize() != set.pixels()) {
            throw new IllegalArgumentException(name + " takes " + e.inputSize() + " pixels; the images have " + set.pixels());
        }
        List<String> names = e.memberNames();
        List<Integer> trained = new ArrayList<>();
        int baseline = -1;
        for (int k = 0; k < names.size(); k++) {
            if (names.get(k).equals("baseline")) {
                baseline = k;
            } else {
                trained.add(k);
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", name);
        r.put("mode", e.session().metadata().getOrDefault(DigitEnsembleSpec.META_MODE, "?"));
        r.put("members", e.members());
        r.put("trainedMembers", trained.size());
        r.put("baselineMember", baseline >= 0);
        log("%s: scoring %d clean images with %d members", name, set.size(), e.members());
        float[][][] clean = e.memberProbabilities(set.images());
        float[][][] attacked = transferred == null ? clean : e.memberProbabilities(transferred);
        TreeSet<Integer> sizes = new TreeSet<>();
        for (int n : prefixes) {
            if (n <= trained.size()) {
                sizes.add(n);
            }
        }
        sizes.add(trained.size());
        List<Map<String, Object>> table = new ArrayList<>();
        for (int n : sizes) {
            table.add(EnsembleFigures.row(clean, attacked, set.labels(), trained, n, -1));
        }
        if (baseline >= 0) {
            for (int n : sizes) {
                table.add(EnsembleFigures.row(clean, attacked, set.labels(), trained, n, baseline));
            }
            int[] only = {baseline};
            r.put("baselineAlone", Map.of("clean", EnsembleFigures.round(EnsembleFigures.accuracy(OnnxEnsemble.predictions(
                    EnsembleFigures.select(clean, only), Vote.MEAN), set.labels())), "attacked",
                    EnsembleFigures.round(EnsembleFigures.accuracy(OnnxEnsemble.predictions(EnsembleFigures.select(attacked,
                            only), Vote.MEAN), set.labels()))));
        }
        r.put("table", table);
        r.put("tableNote", transferred == null ? "no --adversarial-from: 'attacked' equals 'clean'"
                : "'attacked': the transferred adversarials crafted on the source model");
        r.put("singleMembers", EnsembleFigures.singleMembers(clean, attacked, set.labels(), trained, names));
        Double threshold = e.threshold().isPresent() ? e.threshold().getAsDouble() : null;
        if (transferred != null) {
            r.put("detectorTransferred", EnsembleFigures.detector(clean, attacked, threshold));
        }
        Map<String, Object> wb = new LinkedHashMap<>();
        DigitSet part = set.head(Math.min(whiteBoxN, set.size()));
        float[][][] partClean = Arrays.copyOf(clean, part.size());
        for (String w : whiteBox) {
            String a = w.trim();
            if (a.equals("none")) {
                continue;
            }
            if (!e.hasGradient()) {
                wb.put(a, "not run: the ensemble has no gradient.onnx");
                continue;
            }
            AttackParams p = AttackParams.parse(a.equals("pgd") ? Map.of("eps", Double.toString(eps), "steps",
                    Integer.toString(pgdSteps)) : Map.of("eps", Double.toString(eps)));
            log("%s: white-box %s eps %s on the mean ensemble's gradient, %d images", name, a, eps, part.size());
            float[][] adv = attackInBatches(a, e, part, p, new Random(seed));
            float[][][] advMembers = e.memberProbabilities(adv);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("eps", eps);
            if (a.equals("pgd")) {
                m.put("steps", pgdSteps);
            }
            m.put("accuracy", EnsembleFigures.votes(advMembers, part.labels()));
            m.put("detector", EnsembleFigures.detector(partClean, advMembers, threshold));
            wb.put(a, m);
        }
        if (!wb.isEmpty()) {
            wb.put("n", part.size());
            wb.put("note", "crafted on gradient.onnx (the mean-probability ensemble's exact input gradient), scored under "
                    + "every vote");
            r.put("whiteBox", wb);
        }
        if (geneticN > 0) {
            r.put("genetic", genetic(name, e, set.head(Math.min(geneticN, set.size())), Arrays.copyOf(clean,
                    Math.min(geneticN, set.size())), threshold));
        }
        if (pictures != null && transferred != null) {
            r.put("pictures", tsne(name, e, set, clean, attacked).stream().map(Path::toString).toList());
        }
        return r;
    }

    /** The genetic black-box attack against the served vote: it sees only that vote's probabilities. */
    private Map<String, Object> genetic(String name, OnnxEnsemble e, DigitSet part, float[][][] clean, Double threshold) {
        Vote v = Vote.parse(vote);
        Classifier served = e.view(v);
        AttackParams p = AttackParams.parse(Map.of("eps", Double.toString(eps), "max-queries",
                Integer.toString(geneticMaxQueries), "generations", Integer.toString(geneticMaxQueries)));
        log("%s: genetic attack on the %s vote, %d images, at most %d queries each", name, v.wire(), part.size(),
                geneticMaxQueries);
        Outcome o = Attacks.run("genetic", served, part.images(), part.labels(), p, new Random(seed));
        AttackReport report = AttackReport.score(served, part.images(), part.labels(), o, -1, 0);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("vote", v.wire());
        g.put("n", part.size());
        g.put("eps", eps);
        g.put("maxQueries", geneticMaxQueries);
        g.put("accuracy", EnsembleFigures.round(report.accuracyAfter()));
        g.put("successRate", EnsembleFigures.round(report.successRate()));
        g.put("queriesPerSuccess", EnsembleFigures.round(report.meanQueriesPerSuccess()));
        g.put("detector", EnsembleFigures.detector(clean, e.memberProbabilities(o.adversarial()), threshold));
        return g;
    }

    private List<Path> tsne(String name, OnnxEnsemble e, DigitSet set, float[][][] clean, float[][][] attacked)
            throws java.io.IOException {
        int t = Math.min(DigitsPictures.TSNE_IMAGES, set.size());
        float[][] c = new float[t][];
        float[][] a = new float[t][];
        for (int i = 0; i < t; i++) {
            c[i] = flatten(clean[i]);
            a[i] = flatten(attacked[i]);
        }
        int[] y = Arrays.copyOf(set.labels(), t);
        TsnePlot.Projection p = TsnePlot.project(c, y, a, y, seed, 1000);
        String shortName = name.contains("/") ? Path.of(name).getFileName().toString() : name;
        String prefix = "ensemble-" + shortName.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + attack + "-eps" + eps;
        return TsnePlot.write(pictures, prefix + "-tsne", p, e.classNames(), e.members() + " members' probabilities, "
                + attack.toUpperCase(java.util.Locale.ROOT) + " " + eps + " transferred", 900, 700);
    }

    private static float[] flatten(float[][] members) {
        float[] out = new float[members.length * members[0].length];
        for (int k = 0; k < members.length; k++) {
            System.arraycopy(members[k], 0, out, k * members[k].length, members[k].length);
        }
        return out;
    }

    /** Max-vote accuracy at each size, per ensemble mode (uniform vs bootstrap). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> compare(List<Map<String, Object>> results) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map<String, Object> r : results) {
            Map<String, Object> bySize = new LinkedHashMap<>();
            for (Map<String, Object> row : (List<Map<String, Object>>) r.get("table")) {
                String key = "n" + row.get("n") + (Boolean.TRUE.equals(row.get("baseline")) ? "+baseline" : "");
                bySize.put(key, Map.of("cleanMax", ((Map<String, Object>) row.get("clean")).get("max"), "attackedMean",
                        ((Map<String, Object>) row.get("attacked")).get("mean"), "attackedMax",
                        ((Map<String, Object>) row.get("attacked")).get("max")));
            }
            out.put(r.get("mode") + " (" + r.get("model") + ")", bySize);
        }
        return out;
    }

    private static float[][] attackInBatches(String attack, Classifier crafting, DigitSet set, AttackParams p, Random rnd) {
        int n = set.size();
        float[][] adv = new float[n][];
        int batch = 256;
        for (int from = 0; from < n; from += batch) {
            int to = Math.min(n, from + batch);
            Outcome o = Attacks.run(attack, crafting, Arrays.copyOfRange(set.images(), from, to),
                    Arrays.copyOfRange(set.labels(), from, to), p, rnd);
            System.arraycopy(o.adversarial(), 0, adv, from, to - from);
        }
        return adv;
    }

    /** Accuracy of a plain classifier. */
    private static final class Robust {
        static double accuracy(GradientClassifier c, float[][] x, int[] y) {
            return EnsembleFigures.accuracy(Classifier.argmax(c.probabilities(x)), y);
        }
    }

    private static Map<String, Object> seed() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("source", "Erogol, 'Ensembling Against Adversarial Instances' (MNIST, FGSM eps 0.3 crafted on its baseline)");
        s.put("baselineClean", 0.98);
        s.put("baselineUnderItsOwnFgsm", 0.09);
        s.put("bestSingleMemberTransferred", 0.22);
        s.put("meanVoteTransferred", 0.24);
        s.put("maxVoteTransferred", Map.of("uniform", Map.of("n5", 0.27, "n25", 0.30, "n50", 0.35),
                "bootstrap", Map.of("n5", 0.32, "n25", 0.45, "n50", 0.57)));
        s.put("maxVoteBootstrapN50WithBaseline", 0.55);
        return s;
    }

    private static void log(String fmt, Object... args) {
        System.err.println("[eval ensemble] " + String.format(fmt, args));
    }
}
