package io.quorum.ablation;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.training.data.LocalEmbedders;
import io.quorum.training.data.TextPairSource;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.jobs.MiniLmSiameseJob;
import io.quorum.training.jobs.PairAlignerJob;
import io.quorum.training.jobs.PairScorerJob;
import io.quorum.training.api.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./quorum ablation pairs --data FILE}: the seed post's two tables on the data given, by k-fold cross
 * validation (every configuration sees the same folds and seed): word-vector source and TF-IDF weighting, then the
 * architecture variants on GloVe + TF-IDF; plus pretrained sentence embeddings (MiniLM) to beat them. Prints a
 * Markdown table (mean and standard deviation over folds) and writes it with the raw per-fold metrics as JSON.
 */
public final class AblationMain {

    /** Every row and fold runs with this seed, so rows differ only by their parameters. */
    static final long SEED = 42;

    /** One row: a name, the seed's reported QQP accuracy (if any), and the job parameters. */
    record Config(String table, String name, String seedQqp, Map<String, String> params) {
    }

    static List<Config> grid() {
        String best = "depth=3 residual=true bn=before concat=true";
        List<Config> g = new ArrayList<>();
        g.add(new Config("A", "self-trained word2vec, mean + Siamese", "0.69 (Gensim)", p("embedder=mean-w2v vectors=self " + best)));
        g.add(new Config("A", "pretrained GloVe, mean + Siamese", "0.72 (Spacy)", p("embedder=mean-w2v vectors=glove " + best)));
        g.add(new Config("A", "pretrained GloVe + TF-IDF + Siamese", "0.79", p("embedder=tfidf-w2v vectors=glove " + best)));
        g.add(new Config("A", "self-trained word2vec + TF-IDF + Siamese", "-", p("embedder=tfidf-w2v vectors=self " + best)));
        g.add(new Config("A", "MiniLM-distilled word vectors + TF-IDF + Siamese", "-", p("embedder=tfidf-w2v vectors=minilm-context " + best)));
        g.add(new Config("A", "MiniLM-distilled word vectors + TF-IDF + Siamese, 2-layer plain net", "-",
                p("embedder=tfidf-w2v vectors=minilm-context depth=2 residual=false bn=none concat=false")));
        g.add(new Config("A", "MiniLM-distilled word vectors + TF-IDF + Siamese, 2-layer plain net, feature head", "-",
                p("embedder=tfidf-w2v vectors=minilm-context depth=2 residual=false bn=none concat=false head=features")));
        g.add(new Config("A", "MiniLM-distilled word vectors, mean removed + TF-IDF + Siamese, 2-layer plain net, feature head", "-",
                p("embedder=tfidf-w2v vectors=minilm-context+center depth=2 residual=false bn=none concat=false head=features")));
        g.add(new Config("A", "MiniLM + Siamese (seed head)", "-", p("embedder=minilm " + best)));
        g.add(new Config("A", "MiniLM + Siamese, feature head", "-", p("embedder=minilm head=features " + best)));
        g.add(new Config("A", "MiniLM int8 + Siamese, feature head", "-", p("embedder=minilm-q head=features " + best)));
        g.add(new Config("A", "MiniLM token alignment + lexical overlap, logistic regression (pair-aligner)", "-",
                p("job=pair-aligner embedder=minilm")));
        g.add(new Config("A", "MiniLM, top 2 layers fine-tuned as a Siamese net, cosine head (minilm-siamese)", "-",
                p("job=minilm-siamese layers=2")));
        g.add(new Config("A", "MiniLM, top 2 layers fine-tuned as a Siamese net, alignment head (minilm-siamese head=align)", "-",
                p("job=minilm-siamese layers=2 head=align")));
        g.add(new Config("A", "MiniLM, top 3 layers fine-tuned as a Siamese net, alignment head (minilm-siamese layers=3 head=align)", "-",
                p("job=minilm-siamese layers=3 head=align")));
        g.add(new Config("A", "MiniLM, top 4 layers fine-tuned as a Siamese net, alignment head (minilm-siamese layers=4 head=align)", "-",
                p("job=minilm-siamese layers=4 head=align")));
        String tfidf = "embedder=tfidf-w2v vectors=glove ";
        g.add(new Config("B", "2 layers net", "0.67", p(tfidf + "depth=2 residual=false bn=none concat=false")));
        g.add(new Config("B", "3 layers net + adam", "0.74", p(tfidf + "depth=3 residual=false bn=none concat=false")));
        g.add(new Config("B", "3 layers resnet (after relu BN) + adam", "0.77", p(tfidf + "depth=3 residual=true bn=after concat=false")));
        g.add(new Config("B", "3 layers resnet (before relu BN) + adam", "0.78", p(tfidf + "depth=3 residual=true bn=before concat=false")));
        g.add(new Config("B", "... + dropout", "0.75", p(tfidf + "depth=3 residual=true bn=before concat=false dropout=0.2")));
        g.add(new Config("B", "... + layer concat", "0.79", p(tfidf + "depth=3 residual=true bn=before concat=true")));
        g.add(new Config("B", "... + unit_norm + cosine distance", "fail", p(tfidf + "depth=3 residual=true bn=before concat=true distance=cosine")));
        return g;
    }

    private static Map<String, String> p(String s) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String kv : s.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            m.put(kv.substring(0, eq), kv.substring(eq + 1));
        }
        return m;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String data = opts.get("data");
        if (data == null) {
            System.err.println("usage: ablation --data FILE [--format auto|qqp|mrpc] [--folds 5] [--epochs 20] [--batch 128] [--only A|B|name] [--extra 'k=v ...']"
                    + " [--text-extra 'k=v ...' (for the pair-aligner/minilm-siamese rows, e.g. 'layers=3')]"
                    + " [--out DIR] [--threads 2] [--fold K[,K...] (run only these folds, 1-based)] [--resume true (reuse the folds"
                    + " a killed or partial run finished)]");
            System.exit(2);
        }
        Map<String, Object> report = run(opts);
        System.out.print(report.get("markdown"));
    }

    /**
     * Runs the selected rows (options as on the command line, without the dashes), writes the JSON and Markdown
     * reports to {@code out} and returns the JSON report, with the Markdown table under {@code markdown}.
     */
    static Map<String, Object> run(Map<String, String> opts) throws Exception {
        String data = opts.get("data");
        int folds = Integer.parseInt(opts.getOrDefault("folds", "5"));
        Path out = Path.of(opts.getOrDefault("out", "runtime/ablation"));
        Path work = Files.createDirectories(out.resolve("work"));
        Path dataDir = DataDir.root();
        InferenceOptions ort = InferenceOptions.cpu(Integer.parseInt(opts.getOrDefault("threads", "2")));
        LocalEmbedders local = new LocalEmbedders(dataDir, out.resolve("cache"), ort, SEED);
        TextPairSource source = new TextPairSource(local, out.resolve("cache/vectors"), work.resolve("none.jsonl"));
        PairScorerJob job = new PairScorerJob(List.of(source));
        String only = opts.get("only");
        Map<String, TrainingJob> textJobs = Map.of("pair-aligner", new PairAlignerJob(source, local),
                MiniLmSiameseJob.NAME, new MiniLmSiameseJob(source, local));

        java.util.Set<Integer> wanted = foldSelection(opts.get("fold"), folds);
        boolean resume = Boolean.parseBoolean(opts.getOrDefault("resume", "false"));
        FoldCheckpoints checkpoints = new FoldCheckpoints(out.resolve("checkpoints"), dataDir, SEED);

        List<Map<String, Object>> results = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        md.append("| table | configuration | seed (QQP acc.) | accuracy | F1 | log loss | ROC AUC |\n");
        md.append("|---|---|---|---|---|---|---|\n");
        long started = System.nanoTime();
        List<Config> selected = grid().stream()
                .filter(c -> only == null || only.equals(c.table()) || c.name().contains(only)).toList();
        if (selected.isEmpty()) {
            throw new IllegalArgumentException("--only " + only + " selects no row (give A, B or part of a row's name)");
        }
        for (Config c : selected) {
            List<Map<String, Double>> perFold = new ArrayList<>();
            String jobName = c.params().get("job");
            TrainingJob textJob = jobName == null ? null : textJobs.get(jobName);
            boolean textRow = textJob != null; // jobs on texts: no Siamese epochs/batch parameters; their own extras
            // the row's parameters: the grid's, then the command line's extras for this kind of row
            Map<String, String> rowParams = new LinkedHashMap<>(c.params());
            String extra = opts.get(textRow ? "text-extra" : "extra");
            if (extra != null) {
                rowParams.putAll(p(extra));
            }
            List<Integer> foldsRun = new ArrayList<>();
            int resumed = 0;
            for (int fold = 0; fold < folds; fold++) {
                if (!wanted.contains(fold + 1)) {
                    continue;
                }
                Map<String, String> params = new LinkedHashMap<>(rowParams);
                params.remove("job");
                params.put("data", data);
                params.put("format", opts.getOrDefault("format", "auto"));
                params.put("fold", Integer.toString(fold));
                params.put("folds", Integer.toString(folds));
                if (!textRow) {
                    params.put("epochs", opts.getOrDefault("epochs", "20"));
                    params.put("batch", opts.getOrDefault("batch", "128"));
                }
                if (opts.containsKey("rows")) {
                    params.put("rows", opts.get("rows"));
                }
                FoldCheckpoints.Key key = checkpoints.key(data, params);
                Map<String, Double> metrics = resume ? checkpoints.load(key).orElse(null) : null;
                String took;
                if (metrics != null) {
                    resumed++;
                    took = "from " + checkpoints.file(key);
                } else {
                    LocalJobContext ctx = new LocalJobContext("ablation", params, SEED, dataDir, work, line -> { });
                    long t0 = System.nanoTime();
                    metrics = (textRow ? textJob : job).run(ctx).metrics();
                    checkpoints.save(key, metrics);
                    took = String.format("%.0f s", (System.nanoTime() - t0) / 1e9);
                    System.gc();
                }
                perFold.add(metrics);
                foldsRun.add(fold + 1);
                System.err.printf("[ablation] %-45s fold %d/%d: accuracy %.4f f1 %.4f logloss %.4f auc %.4f (%s)%n",
                        c.name(), fold + 1, folds, metrics.get("accuracy"), metrics.get("f1"),
                        metrics.get("logloss"), metrics.get("auc"), took);
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("table", c.table());
            row.put("configuration", c.name());
            row.put("seedQqpAccuracy", c.seedQqp());
            row.put("params", rowParams);
            row.put("folds", perFold);
            boolean partial = foldsRun.size() < folds;
            if (partial) {
                row.put("partial", true);
                row.put("foldsDone", foldsRun); // 1-based fold numbers; the statistics are over these folds only
            }
            if (resumed > 0) {
                row.put("foldsFromCheckpoint", resumed);
            }
            for (String k : List.of("accuracy", "f1", "logloss", "auc")) {
                row.put(k, stats(perFold, k));
            }
            results.add(row);
            String name = partial ? c.name() + " *(folds " + foldsRun + " of " + folds + " only)*" : c.name();
            md.append(String.format("| %s | %s | %s | %s | %s | %s | %s |%n", c.table(), name, c.seedQqp(),
                    fmt(row.get("accuracy")), fmt(row.get("f1")), fmt(row.get("logloss")), fmt(row.get("auc"))));
        }
        Files.createDirectories(out);
        String stamp = Instant.now().toString().replace(':', '-');
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("data", io.quorum.shared.data.DataDir.describe(java.nio.file.Path.of(data)));
        report.put("folds", folds);
        report.put("seed", SEED);
        report.put("minutes", Math.round((System.nanoTime() - started) / 6e10 * 10) / 10.0);
        report.put("results", results);
        Files.writeString(out.resolve("ablation-" + stamp + ".json"), Json.toPrettyString(report));
        Files.writeString(out.resolve("ablation-" + stamp + ".md"), md.toString());
        report.put("markdown", md.toString());
        return report;
    }

    /** {@code --fold 2,5}: the 1-based folds to run; all of them when not given. */
    static java.util.Set<Integer> foldSelection(String spec, int folds) {
        java.util.Set<Integer> wanted = new java.util.TreeSet<>();
        if (spec == null || spec.isBlank()) {
            for (int k = 1; k <= folds; k++) {
                wanted.add(k);
            }
            return wanted;
        }
        for (String part : spec.split(",")) {
            int k;
            try {
                k = Integer.parseInt(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--fold " + spec + ": give fold numbers 1.." + folds + ", comma-separated");
            }
            if (k < 1 || k > folds) {
                throw new IllegalArgumentException("--fold " + spec + ": fold " + k + " is not in 1.." + folds);
            }
            wanted.add(k);
        }
        return wanted;
    }

    static Map<String, Double> stats(List<Map<String, Double>> folds, String key) {
        double mean = folds.stream().mapToDouble(f -> f.get(key)).average().orElse(Double.NaN);
        double var = folds.stream().mapToDouble(f -> Math.pow(f.get(key) - mean, 2)).sum() / Math.max(1, folds.size() - 1);
        return Map.of("mean", mean, "std", Math.sqrt(var));
    }

    @SuppressWarnings("unchecked")
    static String fmt(Object stats) {
        Map<String, Double> s = (Map<String, Double>) stats;
        return String.format("%.3f ± %.3f", s.get("mean"), s.get("std"));
    }
}
