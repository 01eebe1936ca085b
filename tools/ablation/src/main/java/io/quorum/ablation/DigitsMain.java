package io.quorum.ablation;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.jobs.DigitClassifierJob;
import io.quorum.training.steps.Robustness;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.AttackReport;
import io.quorum.vision.attack.Attacks;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.OnnxClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code ./quorum ablation digits --data mnist|fashion-mnist}: the seed's adversarial table ("Ensembling Against
 * Adversarial Instances") with the {@code digit-classifier} job: every row is a job run (the seed's cleverhans CNN,
 * a second one with another seed, the stronger VGG-style network, the per-iteration adversarially trained ones), its
 * clean accuracy and white-box robustness (FGSM eps 0.3 on itself, PGD eps 0.1 and 0.3) as the job publishes them;
 * then, on the published ONNX files through vision's {@code OnnxClassifier}: the <i>pre-generated</i> FGSM set (FGSM eps
 * 0.3 made once on the baseline, saved as IDX, scored on every model, as the seed did) and the transfer matrix (FGSM and
 * PGD eps 0.3 adversarials made on each model, scored on each other). Writes every figure, run time and parameter as
 * JSON (and a Markdown table); each row's model is kept, so a rerun with {@code --resume true} only trains what is
 * missing.
 */
public final class DigitsMain {

    /** A row: its name, role in the table, the seed's figures to compare with, the job's seed and parameters. */
    record Row(String name, String description, String seedFigures, long seed, Map<String, String> params) {
    }

    /** The baseline model (FGSM's pre-generated set is made on it) and the one trained with another seed. */
    static final String BASELINE = "cleverhans";
    static final String SECOND = "cleverhans-seed7";

    static List<Row> grid() {
        List<Row> g = new ArrayList<>();
        g.add(new Row(BASELINE, "the seed's CNN (cleverhans tutorial), augmentation", "clean 0.98, FGSM 0.3 on itself 0.09", 42,
                p("arch=cleverhans")));
        g.add(new Row(SECOND, "the same, another seed (transfer matrix)", "-", 7, p("arch=cleverhans")));
        g.add(new Row("vgg", "stronger: conv-conv-pool x2 with batch norm and dropout, augmentation", "-", 42, p("arch=vgg")));
        g.add(new Row("cleverhans-adv-fgsm", "the seed's CNN, per-iteration FGSM adversarial training (eps 0.3, half of "
                + "every batch)", "clean 0.98, pre-generated FGSM 0.91, FGSM on itself 0.71", 42,
                p("arch=cleverhans adversarial=fgsm adv-eps=0.3 adv-ratio=0.5")));
        g.add(new Row("cleverhans-adv-fast", "the seed's CNN, per-iteration \"fast\" adversarial training (Wong et al. 2020: "
                + "FGSM of 1.25 eps from a random start, eps 0.3, half of every batch)", "-", 42,
                p("arch=cleverhans adversarial=pgd adv-eps=0.3 adv-steps=1 adv-step=0.375 adv-ratio=0.5")));
        g.add(new Row("cleverhans-adv-ensemble", "the seed's CNN, ensemble adversarial training (Tramer et al. 2018): FGSM eps "
                + "0.3 on half of every batch, made in turn on the model being trained and on a static undefended cleverhans "
                + "CNN (6 clean epochs, its own seed: never the baseline the pre-generated set is made on)", "-", 42,
                p("arch=cleverhans adversarial=fgsm adv-eps=0.3 adv-ratio=0.5 adv-static=cleverhans adv-static-epochs=6")));
        return g;
    }

    static Map<String, String> p(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        if (s == null || s.isBlank()) {
            return m;
        }
        for (String kv : s.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected key=value, got '" + kv + "'");
            }
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        if (args.length % 2 != 0 || opts.containsKey("help")) {
            System.err.println("usage: ablation digits [--data mnist|fashion-mnist] [--only ROW,ROW] [--extra 'k=v ...' (every "
                    + "row's job)] [--adv-extra 'k=v ...' (the adversarially trained rows, after theirs)] [--robust-n N] [--robust-steps 40] [--genetic-n 200] [--out DIR] [--result FILE.json] [--resume true]");
            System.exit(2);
        }
        Map<String, Object> report = run(opts);
        System.out.print(report.get("markdown"));
    }

    /** Runs the selected rows and the cross evaluations; writes the JSON (and Markdown) report and returns it. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> run(Map<String, String> opts) throws Exception {
        long started = System.nanoTime();
        String data = opts.getOrDefault("data", "mnist");
        Path out = Path.of(opts.getOrDefault("out", "runtime/ablation/digits")).resolve(data);
        Path models = Files.createDirectories(out.resolve("models"));
        Path dataDir = DataDir.root();
        boolean resume = Boolean.parseBoolean(opts.getOrDefault("resume", "false"));
        Map<String, String> common = new LinkedHashMap<>();
        common.put("data", data);
        // every attack figure on the same validation images: all of MNIST's 1,600, 2,000 of Fashion-MNIST's 6,000
        common.put("robust-n", opts.getOrDefault("robust-n", data.equals("mnist") ? "100000" : "2000"));
        common.put("robust-steps", opts.getOrDefault("robust-steps", "40"));
        common.putAll(p(opts.get("extra")));
        List<String> only = opts.containsKey("only") ? List.of(opts.get("only").split(",")) : null;
        List<Row> rows = grid().stream().filter(r -> only == null || only.contains(r.name())).toList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("--only " + opts.get("only") + " selects no row; rows: "
                    + grid().stream().map(Row::name).toList());
        }

        List<Map<String, Object>> results = new ArrayList<>();
        for (Row r : rows) {
            Map<String, String> params = new LinkedHashMap<>(common);
            params.putAll(r.params());
            if (r.params().containsKey("adversarial")) {
                params.putAll(p(opts.get("adv-extra"))); // e.g. a schedule for a larger data set
            }
            params.put("model", DigitClassifierSpec.MODEL_NAME + "-" + r.name());
            Path dir = models.resolve(r.name());
            Path rowFile = dir.resolve("row.json");
            Map<String, Object> row;
            if (resume && Files.exists(rowFile) && Json.mapper().readValue(rowFile.toFile(), Map.class).get("params").equals(params)) {
                row = Json.mapper().readValue(rowFile.toFile(), Map.class);
                System.err.printf("[digits] %-22s from %s%n", r.name(), rowFile);
            } else {
                System.err.printf("[digits] %-22s training (%s, seed %d)%n", r.name(), params, r.seed());
                Path work = Files.createTempDirectory("digits-ablation");
                long t0 = System.nanoTime();
                TrainedModel m;
                try {
                    m = new DigitClassifierJob().run(new LocalJobContext("ablation-" + r.name(), params, r.seed(), dataDir, work,
                            line -> System.err.println("[digits] " + r.name() + ": " + line)));
                } finally {
                    io.quorum.shared.files.TempDir.deleteRecursively(work);
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                // model.onnx, gradient.onnx and a model card: the folder is a bundled default as it is (models/*-default)
                TrainLocal.write(dir, m, DigitClassifierJob.NAME, new DigitClassifierJob().description(), Math.round(seconds * 1000));
                row = new LinkedHashMap<>();
                row.put("name", r.name());
                row.put("description", r.description());
                row.put("seedFigures", r.seedFigures());
                row.put("seed", r.seed());
                row.put("params", params);
                row.put("hyperParameters", m.hyperParameters());
                row.put("metrics", m.metrics());
                row.put("properties", m.properties());
                row.put("data", Map.of("ref", m.dataRef(), "sha256", m.dataHash()));
                row.put("exportParityMaxAbsDiff", m.parity());
                row.put("notes", m.notes());
                row.put("jobSeconds", Math.round(seconds));
                Files.writeString(rowFile, Json.toPrettyString(row));
                System.gc();
            }
            results.add(row);
            System.err.printf("[digits] %-22s %s%n", r.name(), row.get("metrics"));
        }

        // the cross evaluations, on the published ONNX files
        long crossStart = System.nanoTime();
        Map<String, String> splitParams = new LinkedHashMap<>(common);
        DigitClassifierJob.Data d = DigitClassifierJob.data(splitParams, dataDir);
        DigitSet eval = d.robust();
        long splitSeed = Long.parseLong(splitParams.getOrDefault("split-seed", "42"));
        int pgdSteps = Integer.parseInt(common.get("robust-steps"));
        InferenceOptions ort = InferenceOptions.cpu(Math.max(1, Runtime.getRuntime().availableProcessors()));
        Map<String, OnnxClassifier> classifiers = new LinkedHashMap<>();
        Map<String, Object> cross = new LinkedHashMap<>();
        try {
            for (Map<String, Object> row : results) {
                String name = (String) row.get("name");
                classifiers.put(name, OnnxClassifier.open(models.resolve(name), ort));
            }
            // the seed's pre-generated set: FGSM eps 0.3 made once on the baseline, saved, scored on every model
            if (classifiers.containsKey(BASELINE)) {
                Robustness.Attack fgsm = new Robustness.Attack("fgsm", 0.3);
                Map<String, Object> pre = new LinkedHashMap<>();
                pre.put("madeOn", BASELINE);
                pre.put("attack", "fgsm eps 0.3");
                pre.put("images", eval.size());
                float[][] adv = Robustness.attack(classifiers.get(BASELINE), fgsm, 1, eval.images(), eval.labels(), splitSeed)
                        .adversarial();
                Path[] idx = DigitSets.writeIdx(new DigitSet("fgsm-0.3-on-" + BASELINE, adv, eval.labels(), eval.height(),
                        eval.width(), eval.classes()), out.resolve("adversarial"), "fgsm-0.3-on-" + BASELINE + "-validation");
                pre.put("saved", "<out>/" + data + "/adversarial/" + idx[0].getFileName() + " and its labels (8-bit IDX; the "
                        + "figures use the float images)");
                Map<String, Double> acc = new LinkedHashMap<>();
                for (var e : classifiers.entrySet()) {
                    acc.put(e.getKey(), Robustness.accuracy(e.getValue(), adv, eval.labels()));
                }
                pre.put("accuracy", acc);
                if (d.test() != null) {
                    float[][] advTest = Robustness.attack(classifiers.get(BASELINE), fgsm, 1, d.test().images(),
                            d.test().labels(), splitSeed).adversarial();
                    Map<String, Double> testAcc = new LinkedHashMap<>();
                    Map<String, Double> ownTest = new LinkedHashMap<>();
                    for (var e : classifiers.entrySet()) {
                        testAcc.put(e.getKey(), Robustness.accuracy(e.getValue(), advTest, d.test().labels()));
                        ownTest.put(e.getKey(), Robustness.accuracy(e.getValue(), Robustness.attack(e.getValue(), fgsm, 1,
                                d.test().images(), d.test().labels(), splitSeed).adversarial(), d.test().labels()));
                    }
                    pre.put("testAccuracy", testAcc);
                    cross.put("testFgsmOnItself", ownTest);
                }
                cross.put("pregeneratedFgsm", pre);
            }
            // the held-out images themselves, so `eval digits --images/--labels` measures any model on what none trained on
            Path[] heldOut = DigitSets.writeIdx(eval, out.resolve("heldout"), "validation");
            cross.put("heldOut", "<out>/" + data + "/heldout/" + heldOut[0].getFileName() + " and its labels (" + eval.size()
                    + " validation images, 8-bit IDX)");
            // black box: GenAttack eps 0.3 on the probabilities only, the first genetic-n held-out images
            int geneticN = Math.min(eval.size(), Integer.parseInt(opts.getOrDefault("genetic-n", "200")));
            if (geneticN > 0) {
                Map<String, String> gp = new LinkedHashMap<>(Map.of("eps", "0.3", "population", "6", "max-queries", "10000"));
                AttackParams geneticParams = AttackParams.parse(gp);
                DigitSet g = eval.head(geneticN);
                Map<String, Object> genetic = new LinkedHashMap<>();
                genetic.put("params", gp);
                genetic.put("images", geneticN);
                Map<String, Object> byModel = new LinkedHashMap<>();
                genetic.put("models", byModel);
                for (var e : classifiers.entrySet()) {
                    long t0 = System.nanoTime();
                    Outcome o = Attacks.run("genetic", e.getValue(), g.images(), g.labels(), geneticParams, new Random(splitSeed));
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    AttackReport r = AttackReport.score(e.getValue(), g.images(), g.labels(), o, -1, 0);
                    long queries = java.util.Arrays.stream(o.queries()).sum();
                    Map<String, Object> fig = new LinkedHashMap<>();
                    fig.put("accuracyBefore", r.accuracyBefore());
                    fig.put("adversarialAccuracy", r.accuracyAfter());
                    fig.put("successRate", r.successRate());
                    fig.put("meanQueriesPerSuccess", r.successes() == 0 ? null : r.meanQueriesPerSuccess());
                    fig.put("meanLinf", r.meanLinf());
                    fig.put("queriesPerSecond", queries / seconds);
                    byModel.put(e.getKey(), fig);
                }
                cross.put("genetic_0.3", genetic);
            }
            // transfer: adversarials made on the source (rows), scored on the target (columns); the diagonal is white-box
            for (Robustness.Attack a : List.of(new Robustness.Attack("fgsm", 0.3), new Robustness.Attack("pgd", 0.3))) {
                Map<String, Map<String, Double>> matrix = new LinkedHashMap<>();
                for (var source : classifiers.entrySet()) {
                    float[][] adv = Robustness.attack(source.getValue(), a, pgdSteps, eval.images(), eval.labels(), splitSeed)
                            .adversarial();
                    Map<String, Double> toTargets = new LinkedHashMap<>();
                    for (var target : classifiers.entrySet()) {
                        toTargets.put(target.getKey(), Robustness.accuracy(target.getValue(), adv, eval.labels()));
                    }
                    matrix.put(source.getKey(), toTargets);
                }
                cross.put("transfer_" + a.name() + "_" + a.eps(), matrix);
            }
        } finally {
            classifiers.values().forEach(OnnxClassifier::close);
        }
        cross.put("seconds", Math.round((System.nanoTime() - crossStart) / 1e9));

        Map<String, Object> report = new LinkedHashMap<>();
        report.put("data", data);
        report.put("dataRef", d.ref());
        report.put("command", "./quorum ablation digits --data " + data + (opts.containsKey("extra") ? " --extra '"
                + opts.get("extra") + "'" : "") + (opts.containsKey("adv-extra") ? " --adv-extra '" + opts.get("adv-extra") + "'" : "") + (opts.containsKey("only") ? " --only " + opts.get("only") : "")
                + (opts.containsKey("genetic-n") ? " --genetic-n " + opts.get("genetic-n") : ""));
        report.put("evaluation", String.format("accuracy: the whole validation split (%d images)%s; attack figures and transfer "
                        + "on %d validation images (the job's robustness subset), white-box on each model's published "
                        + "model.onnx + gradient.onnx through ONNX Runtime; PGD %d steps of 2.5 eps / %d from a random start",
                d.validation().size(), d.test() == null ? "" : " and test_accuracy on the official test set (" + d.test().size()
                        + " images)", eval.size(), pgdSteps, pgdSteps));
        report.put("rows", results);
        report.put("cross", cross);
        report.put("minutes", Math.round((System.nanoTime() - started) / 6e10 * 10) / 10.0);
        report.put("finishedAt", Instant.now().toString());
        String md = markdown(results, cross, d.test() != null);
        Files.createDirectories(out);
        Files.writeString(out.resolve("digits-" + data + ".json"), Json.toPrettyString(report));
        Files.writeString(out.resolve("digits-" + data + ".md"), md);
        if (opts.containsKey("result")) {
            Path result = Path.of(opts.get("result"));
            if (result.getParent() != null) {
                Files.createDirectories(result.getParent());
            }
            Files.writeString(result, Json.toPrettyString(report));
        }
        report.put("markdown", md);
        return report;
    }

    @SuppressWarnings("unchecked")
    static String markdown(List<Map<String, Object>> rows, Map<String, Object> cross, boolean test) {
        StringBuilder md = new StringBuilder();
        md.append("| model | seed post | clean").append(test ? " (val / test)" : "").append(" | FGSM 0.3 on itself | pre-generated FGSM 0.3 "
                + "(made on " + BASELINE + ") | PGD 0.1 | PGD 0.3 | training |\n|---|---|---|---|---|---|---|---|\n");
        Map<String, Object> pre = (Map<String, Object>) cross.get("pregeneratedFgsm");
        for (Map<String, Object> r : rows) {
            Map<String, Number> m = (Map<String, Number>) r.get("metrics");
            String name = (String) r.get("name");
            Object preAcc = pre == null ? null : ((Map<String, Object>) pre.get("accuracy")).get(name);
            md.append(String.format("| %s | %s | %s%s | %s | %s | %s | %s | %.0f s |%n", name, r.get("seedFigures"),
                    f(m.get("accuracy")), test ? " / " + f(m.get(DigitClassifierJob.TEST_ACCURACY)) : "", f(m.get("fgsm_0.3_accuracy")),
                    preAcc == null ? "-" : f((Number) preAcc), f(m.get("pgd_0.1_accuracy")), f(m.get("pgd_0.3_accuracy")),
                    m.get("train_seconds").doubleValue()));
        }
        Map<String, Object> genetic = (Map<String, Object>) cross.get("genetic_0.3");
        if (genetic != null) {
            md.append("\ngenetic (GenAttack, eps 0.3, population 6, at most 10,000 queries; ").append(genetic.get("images"))
                    .append(" held-out images)\n\n| model | accuracy | success rate | queries per success | queries/s |\n|---|---|---|---|---|\n");
            for (var e : ((Map<String, Object>) genetic.get("models")).entrySet()) {
                if (e.getValue() instanceof Map<?, ?> f) {
                    md.append(String.format("| %s | %s | %s | %.0f | %.0f |%n", e.getKey(), f((Number) f.get("adversarialAccuracy")),
                            f((Number) f.get("successRate")), f.get("meanQueriesPerSuccess") == null ? Double.NaN
                                    : ((Number) f.get("meanQueriesPerSuccess")).doubleValue(),
                            ((Number) f.get("queriesPerSecond")).doubleValue()));
                }
            }
        }
        for (String key : List.of("transfer_fgsm_0.3", "transfer_pgd_0.3")) {
            Map<String, Map<String, Number>> matrix = (Map<String, Map<String, Number>>) cross.get(key);
            if (matrix == null || matrix.isEmpty()) {
                continue;
            }
            md.append("\n").append(key).append(": accuracy of the column model on adversarials made on the row model\n\n| made on \\ scored on |");
            matrix.keySet().forEach(k -> md.append(' ').append(k).append(" |"));
            md.append("\n|---|").append("---|".repeat(matrix.size())).append('\n');
            for (var e : matrix.entrySet()) {
                md.append("| ").append(e.getKey()).append(" |");
                e.getValue().values().forEach(v -> md.append(' ').append(f(v)).append(" |"));
                md.append('\n');
            }
        }
        return md.toString();
    }

    private static String f(Number n) {
        return n == null ? "-" : String.format("%.4f", n.doubleValue());
    }
}
