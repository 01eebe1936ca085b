package io.quorum.faces.probe;

import io.quorum.faces.scorer.Backbone;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Chooses the default image scorer's features and head on MEBeauty's <b>train split only</b>: for each candidate
 * (a set of frozen backbones, with or without averaging each crop's features with its mirror's), 5-fold
 * cross-validation of the ridge over {@link #LAMBDAS} ({@link RidgeCv}, the same seeded folds for every candidate),
 * reporting per-fold PLCC mean and sd at the best lambda, the out-of-fold MSE and PLCC. The val split is never read
 * here: {@link io.quorum.faces.scorer.BuildImageScorer} scores it once for the configuration chosen.
 *
 * <p>Usage: {@code ScorerSelection <mebeauty dir> <cache dir> <out json> [threads] [backbone ids, comma-separated: only
 * the candidates made of these; default all] [a name filter: only the candidates whose name contains it]}.
 */
public final class ScorerSelection {

    /** The ridge's lambda grid (features standardised; thousands of them, so larger values than the first probe's). */
    public static final double[] LAMBDAS = {30, 100, 300, 1000, 3000, 10000, 30000, 100000};

    /** The folds' shuffle seed. */
    public static final long SEED = 2022;

    public static final int FOLDS = 5;

    private ScorerSelection() {
    }

    /** A candidate: backbones (features concatenated in this order) and whether each crop is averaged with its mirror. */
    public record Candidate(List<Backbone> backbones, boolean mirror) {
        public String name() {
            return String.join("+", backbones.stream().map(Backbone::id).toList()) + (mirror ? " (crop+mirror)" : "");
        }
    }

    public static void main(String[] args) throws Exception {
        Path base = Path.of(args[0]);
        Path cache = Path.of(args[1]);
        Path outFile = Path.of(args[2]);
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Files.createDirectories(cache);
        var train = ImageScoreList.read(base.resolve("scores/train_2022.txt"), base).entries();
        Map<Backbone, Map<String, float[]>> feats = new LinkedHashMap<>();
        List<Backbone> only = args.length > 4 ? java.util.Arrays.stream(args[4].split(",")).map(Backbone::byId).toList()
                : List.of(Backbone.values());
        for (Backbone b : only) {
            feats.put(b, BackboneFeatures.load(cache, b, train, threads));
        }
        double[] y = train.stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        int[] fold = RidgeCv.folds(train.size(), FOLDS, SEED);
        List<Candidate> candidates = new ArrayList<>();
        Backbone fr = Backbone.FACERES;
        Backbone deep = Backbone.FACERES_DEEP;
        Backbone emo = Backbone.EMOTION;
        Backbone frGrid = Backbone.FACERES_GRID;
        Backbone emoGrid = Backbone.EMOTION_GRID;
        for (boolean mirror : new boolean[] {false, true}) {
            candidates.add(new Candidate(List.of(fr), mirror));
            candidates.add(new Candidate(List.of(deep), mirror));
            candidates.add(new Candidate(List.of(emo), mirror));
            candidates.add(new Candidate(List.of(fr, deep), mirror));
            candidates.add(new Candidate(List.of(fr, emo), mirror));
            candidates.add(new Candidate(List.of(fr, deep, emo), mirror));
            candidates.add(new Candidate(List.of(frGrid), mirror));
            candidates.add(new Candidate(List.of(frGrid, emo), mirror));
            candidates.add(new Candidate(List.of(fr, emoGrid), mirror));
            candidates.add(new Candidate(List.of(frGrid, emoGrid), mirror));
            candidates.add(new Candidate(List.of(frGrid, deep, emo), mirror));
        }
        candidates.removeIf(c -> !feats.keySet().containsAll(c.backbones()));
        if (args.length > 5) { // a part of the candidates only: those whose name contains this
            candidates.removeIf(c -> !c.name().contains(args[5]));
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Candidate c : candidates) {
            long t0 = System.nanoTime();
            float[][] x = matrix(train, feats, c);
            RidgeCv.Result r = RidgeCv.run(x, y, LAMBDAS, fold, threads);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("candidate", c.name());
            row.put("features", x[0].length);
            row.put("lambda", r.best().lambda());
            row.put("cv_plcc_mean", r.best().meanPlcc());
            row.put("cv_plcc_sd", r.best().sdPlcc());
            row.put("cv_plcc_folds", r.best().foldPlcc());
            row.put("cv_oof_plcc", r.best().pooledPlcc());
            row.put("cv_oof_rmse", Math.sqrt(r.best().mse()));
            Map<String, Object> grid = new LinkedHashMap<>();
            for (RidgeCv.Point p : r.points()) {
                grid.put(Double.toString(p.lambda()), String.format(Locale.ROOT, "plcc %.4f +- %.4f, rmse %.4f",
                        p.meanPlcc(), p.sdPlcc(), Math.sqrt(p.mse())));
            }
            row.put("grid", grid);
            row.put("seconds", (System.nanoTime() - t0) / 1e9);
            rows.add(row);
            System.err.printf(Locale.ROOT, "[select] %-40s d=%4d lambda=%6.0f  CV PLCC %.4f +- %.4f  oof RMSE %.4f (%.0f s)%n",
                    c.name(), x[0].length, r.best().lambda(), r.best().meanPlcc(), r.best().sdPlcc(),
                    Math.sqrt(r.best().mse()), (System.nanoTime() - t0) / 1e9);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("split", "mebeauty scores/train_2022.txt only (" + train.size() + " present crops); val not read");
        report.put("folds", FOLDS);
        report.put("fold_seed", SEED);
        report.put("lambda_grid", LAMBDAS);
        report.put("lambda_rule", "highest mean per-fold PLCC");
        report.put("candidates", rows);
        String json = Json.toPrettyString(report);
        Files.writeString(outFile, json);
        System.out.println(json);
    }

    /** The candidate's feature rows of {@code images} (each backbone's crop or crop+mirror features, concatenated). */
    public static float[][] matrix(List<ImageScoreList.ImageScore> images, Map<Backbone, Map<String, float[]>> feats, Candidate c) {
        float[][] x = new float[images.size()][];
        for (int i = 0; i < images.size(); i++) {
            String key = images.get(i).image().toString();
            int d = c.backbones().stream().mapToInt(Backbone::dim).sum();
            float[] row = new float[d];
            int at = 0;
            for (Backbone b : c.backbones()) {
                float[] v = BackboneFeatures.view(feats.get(b).get(key), c.mirror());
                System.arraycopy(v, 0, row, at, v.length);
                at += v.length;
            }
            x[i] = row;
        }
        return x;
    }
}
