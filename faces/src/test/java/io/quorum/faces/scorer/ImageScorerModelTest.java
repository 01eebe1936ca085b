package io.quorum.faces.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.image.Images;
import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.faces.model.FaceresEmbedder;
import io.quorum.faces.probe.Ridge;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelRejectedException;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageScorerModelTest {

    @Test
    void fusedGraphScoresLikeTheJavaRidgeOnFaceresDescriptorsAndPassesTheContract() throws Exception {
        var base = FaceTestData.crop("").getParent().getParent();
        List<ImageScoreList.ImageScore> val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base).entries()
                .subList(0, 12);
        List<BufferedImage> crops = new ArrayList<>();
        for (var e : val) {
            crops.add(FaceTestData.read(e.image()));
        }
        float[][] fitX;
        float[][] heldOut;
        try (FaceresEmbedder embedder = FaceresEmbedder.open(1)) {
            fitX = embedder.descriptors(crops.subList(0, 8));
            heldOut = embedder.descriptors(crops.subList(8, 12));
        }
        double[] y = val.subList(0, 8).stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        Ridge ridge = Ridge.fit(fitX, y, 10);
        byte[] onnx = ImageScorerModel.fuse(new ImageScorerModel.Head(ridge.linear(), List.of(Backbone.FACERES), false),
                Map.of(ImageScorerSpec.META_DATASET, "test")).toBytes();
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            ImageScorerSpec.check(s, null);
            assertThat(ImageScorerSpec.size(s.signature())).isEqualTo(224);
            assertThat(s.metadata()).containsEntry(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY)
                    .containsEntry(ImageScorerSpec.META_DATASET, "test")
                    .containsKey("quorum.backbone.licence");
            // one batch of all 12 crops (8 fitted, 4 held out) through the fused graph
            float[] nhwc = FaceresEmbedder.input(crops).data();
            float[] fused = ImageScorerSpec.score(s, nhwc, crops.size(), 224);
            assertThat(fused).hasSize(12);
            for (int i = 0; i < 12; i++) {
                double expected = ridge.predict(i < 8 ? fitX[i] : heldOut[i - 8]);
                assertThat(Math.abs(fused[i] - expected)).as("crop %d", i).isLessThan(1e-3);
            }
            // the scores differ between faces (a head that collapsed to its bias would pass the parity trivially)
            assertThat(java.util.Arrays.stream(new double[] {fused[0], fused[1], fused[8], fused[9]}).distinct().count())
                    .isGreaterThan(1);
        }
    }

    /**
     * faceres + the expression network on the crop and its mirror, features averaged, one head: the fused graph
     * against the Java ridge on features computed independently of the fused graph's preprocessing: the mirror by
     * reversing the NHWC array in a loop (not the graph's Gather), the expression network's grey 64x64 input by TF's
     * bilinear resize written out pixel by pixel (not the graph's two MatMuls), each bare backbone run on its own.
     */
    @Test
    void mirroredTwoBackboneGraphScoresLikeTheJavaRidgeOnIndependentlyComputedFeatures() throws Exception {
        var base = FaceTestData.crop("").getParent().getParent();
        List<ImageScoreList.ImageScore> val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base).entries()
                .subList(20, 28);
        List<BufferedImage> crops = new ArrayList<>();
        for (var e : val) {
            crops.add(FaceTestData.read(e.image()));
        }
        float[] nhwc = FaceresEmbedder.input(crops).data();
        int px = 224 * 224 * 3;
        float[][] x = new float[crops.size()][];
        try (OnnxSession faceres = FaceModels.open(FaceModel.FACERES, InferenceOptions.cpu(1));
             OnnxSession emotion = FaceModels.open(FaceModel.EMOTION, InferenceOptions.cpu(1))) {
            for (int i = 0; i < crops.size(); i++) {
                float[] one = java.util.Arrays.copyOfRange(nhwc, i * px, (i + 1) * px);
                float[] mirror = mirror(one);
                float[] a = faceres.runFloat(Map.of("image", FloatTensor.of(one, 1, 224, 224, 3)), "descriptor").data();
                float[] b = faceres.runFloat(Map.of("image", FloatTensor.of(mirror, 1, 224, 224, 3)), "descriptor").data();
                float[] c = expression(emotion, one);
                float[] d = expression(emotion, mirror);
                float[] row = new float[1024 + 256];
                for (int j = 0; j < 1024; j++) {
                    row[j] = (a[j] + b[j]) / 2;
                }
                for (int j = 0; j < 256; j++) {
                    row[1024 + j] = (c[j] + d[j]) / 2;
                }
                x[i] = row;
            }
        }
        double[] y = val.stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        Ridge ridge = Ridge.fit(java.util.Arrays.copyOf(x, 5), java.util.Arrays.copyOf(y, 5), 10);
        var head = new ImageScorerModel.Head(ridge.linear(), List.of(Backbone.FACERES, Backbone.EMOTION), true);
        byte[] onnx = ImageScorerModel.fuse(head, Map.of()).toBytes();
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            ImageScorerSpec.check(s, null);
            assertThat(s.metadata()).containsKey("quorum.backbone.faceres.licence").containsKey("quorum.backbone.emotion.upstream")
                    .containsEntry(ImageScorerSpec.META_BACKBONE, head.describe());
            float[] fused = ImageScorerSpec.score(s, nhwc, crops.size(), 224);
            for (int i = 0; i < crops.size(); i++) {
                assertThat(Math.abs(fused[i] - ridge.predict(x[i]))).as("crop %d", i).isLessThan(1e-3);
            }
            // one crop alone scores as it does in the batch (the mirror halves are paired per batch, not mixed)
            float[] alone = ImageScorerSpec.score(s, java.util.Arrays.copyOfRange(nhwc, 6 * px, 7 * px), 1, 224);
            assertThat((double) Math.abs(alone[0] - fused[6])).isLessThan(1e-4);
            assertThat(java.util.Arrays.stream(new double[] {fused[5], fused[6], fused[7]}).distinct().count()).isGreaterThan(1);
        }
    }

    private static float[] mirror(float[] nhwc) {
        float[] out = new float[nhwc.length];
        for (int r = 0; r < 224; r++) {
            for (int c = 0; c < 224; c++) {
                System.arraycopy(nhwc, (r * 224 + c) * 3, out, (r * 224 + 223 - c) * 3, 3);
            }
        }
        return out;
    }

    /** human's emotion.ts preprocessing in loops (grey, TF bilinear 224 -> 64, (g - 0.5) * 2), the bare model, mean over 8x8. */
    private static float[] expression(OnnxSession emotion, float[] nhwc) throws Exception {
        double[] grey = new double[224 * 224];
        for (int p = 0; p < grey.length; p++) {
            grey[p] = (0.2989 * nhwc[p * 3] + 0.5870 * nhwc[p * 3 + 1] + 0.1140 * nhwc[p * 3 + 2]) / 255;
        }
        float[] in = new float[64 * 64];
        for (int oy = 0; oy < 64; oy++) {
            double sy = oy * 224 / 64.0;
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, 223);
            double fy = sy - y0;
            for (int ox = 0; ox < 64; ox++) {
                double sx = ox * 224 / 64.0;
                int x0 = (int) sx;
                int x1 = Math.min(x0 + 1, 223);
                double fx = sx - x0;
                double top = grey[y0 * 224 + x0] * (1 - fx) + grey[y0 * 224 + x1] * fx;
                double bottom = grey[y1 * 224 + x0] * (1 - fx) + grey[y1 * 224 + x1] * fx;
                in[oy * 64 + ox] = (float) (((top * (1 - fy) + bottom * fy) - 0.5) * 2);
            }
        }
        float[] block = emotion.runFloat(Map.of("image", FloatTensor.of(in, 1, 64, 64, 1)), "block").data();
        float[] mean = new float[256];
        for (int p = 0; p < 64; p++) {
            for (int c = 0; c < 256; c++) {
                mean[c] += block[p * 256 + c] / 64f;
            }
        }
        return mean;
    }

    @Test
    void aHeadFileRoundTripsAndABrokenOneIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path head = dir.resolve(ImageScorerModel.HEAD_FILE);
        java.nio.file.Files.writeString(head, "{\"weights\": [0.5, -1.25, 2], \"bias\": 3.5, \"lambda\": 10}");
        Ridge.Linear lin = ImageScorerModel.readHead(head);
        assertThat(lin.weights()).containsExactly(0.5, -1.25, 2);
        assertThat(lin.bias()).isEqualTo(3.5);
        // a head without backbones is faceres alone: 3 weights do not fit its 1024 features
        assertThatThrownBy(() -> ImageScorerModel.readFullHead(head)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("3 weights");
        java.nio.file.Files.writeString(head, "{\"weights\": [], \"bias\": 1}");
        assertThatThrownBy(() -> ImageScorerModel.readHead(head)).isInstanceOf(java.io.IOException.class);
        // a head names its backbones and the mirror; the weights must match the backbones' features
        double[] w = new double[1024 + 256];
        w[3] = 0.25;
        java.nio.file.Files.writeString(head, io.quorum.shared.json.Json.toPrettyString(Map.of("weights", w, "bias", 6.5,
                "backbones", List.of("faceres", "emotion"), "mirror", true)));
        ImageScorerModel.Head full = ImageScorerModel.readFullHead(head);
        assertThat(full.backbones()).containsExactly(Backbone.FACERES, Backbone.EMOTION);
        assertThat(full.mirror()).isTrue();
        assertThat(full.linear().weights()[3]).isEqualTo(0.25);
        java.nio.file.Files.writeString(head, io.quorum.shared.json.Json.toPrettyString(Map.of("weights", w, "bias", 6.5,
                "backbones", List.of("faceres"), "mirror", true)));
        assertThatThrownBy(() -> ImageScorerModel.readFullHead(head)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("1280 weights");
        java.nio.file.Files.writeString(head, io.quorum.shared.json.Json.toPrettyString(Map.of("weights", w, "bias", 6.5,
                "backbones", List.of("faceres", "nope"))));
        assertThatThrownBy(() -> ImageScorerModel.readFullHead(head)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("nope");
        // the committed default's head: faceres alone, no mirror
        ImageScorerModel.Head committed = ImageScorerModel.readFullHead(java.nio.file.Path.of("..", "models",
                "image-scorer-default", ImageScorerModel.HEAD_FILE));
        assertThat(committed.backbones()).containsExactly(Backbone.FACERES);
        assertThat(committed.mirror()).isFalse();
    }

    @Test
    void theBareBackboneIsNotAnImageScorer() throws Exception {
        try (OnnxSession s = FaceModels.open(FaceModel.FACERES, InferenceOptions.cpu(1))) {
            assertThatThrownBy(() -> ImageScorerSpec.check(s, null)).isInstanceOf(ModelRejectedException.class)
                    .hasMessageContaining("score");
        }
    }
}
