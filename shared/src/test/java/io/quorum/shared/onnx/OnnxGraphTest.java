package io.quorum.shared.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.TensorSpec;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Every op kind the writer emits, run in ONNX Runtime and checked against values computed by hand. */
class OnnxGraphTest {

    private static final Offset<Float> EPS = Offset.offset(1e-5f);

    private static float[] run(OnnxGraph g, String input, FloatTensor x, String output) throws Exception {
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            return s.runFloat(Map.of(input, x), output).data();
        }
    }

    private static void assertClose(float[] actual, float... expected) {
        assertThat(actual).hasSize(expected.length);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], EPS);
        }
    }

    @Test
    void gemmIsXTimesWPlusB() throws Exception {
        OnnxGraph g = OnnxGraph.create("gemm");
        String x = g.input("x", 2);
        String y = g.gemm(x, g.weights("W", new float[] {1, 2, 3, 4, 5, 6}, 2, 3), g.weights("b", new float[] {0.5f, -1, 0}, 3));
        g.output(y, "y", -1, 3);
        // [1, 2] @ [[1,2,3],[4,5,6]] + b = [9, 12, 15] + b
        assertClose(run(g, "x", FloatTensor.of(new float[] {1, 2, -1, 0}, 2, 2), "y"), 9.5f, 11, 15, -0.5f, -3, -3);
    }

    @Test
    void batchNormUsesRunningStatistics() throws Exception {
        OnnxGraph g = OnnxGraph.create("bn");
        String x = g.input("x", 2);
        String y = g.batchNorm(x, g.weights("scale", new float[] {2, 1}, 2), g.weights("bias", new float[] {1, 0}, 2),
                g.weights("mean", new float[] {1, -1}, 2), g.weights("var", new float[] {4, 1}, 2), 0f);
        g.output(y, "y", -1, 2);
        // (x - mean) / sqrt(var) * scale + bias
        assertClose(run(g, "x", FloatTensor.of(new float[] {3, 1}, 1, 2), "y"), 3, 2);
    }

    @Test
    void activations() throws Exception {
        float[] in = {-2, -0.5f, 0, 1.5f};
        OnnxGraph g = OnnxGraph.create("act");
        String x = g.input("x", 4);
        g.output(g.relu(x), "relu", -1, 4);
        g.output(g.elu(x, 1.0f), "elu", -1, 4);
        g.output(g.sigmoid(x), "sigmoid", -1, 4);
        g.output(g.tanh(x), "tanh", -1, 4);
        g.output(g.softmax(x, 1), "softmax", -1, 4);
        g.output(g.leakyRelu(x, 0.1f), "leaky", -1, 4);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            var out = s.run(Map.of("x", FloatTensor.of(in, 1, 4)));
            assertClose(((FloatTensor) out.get("relu")).data(), 0, 0, 0, 1.5f);
            float[] elu = new float[4];
            float[] sig = new float[4];
            float[] tanh = new float[4];
            float[] leaky = new float[4];
            double sum = 0;
            for (int i = 0; i < 4; i++) {
                elu[i] = in[i] > 0 ? in[i] : (float) (Math.exp(in[i]) - 1);
                sig[i] = (float) (1 / (1 + Math.exp(-in[i])));
                tanh[i] = (float) Math.tanh(in[i]);
                leaky[i] = in[i] > 0 ? in[i] : 0.1f * in[i];
                sum += Math.exp(in[i]);
            }
            float[] soft = new float[4];
            for (int i = 0; i < 4; i++) {
                soft[i] = (float) (Math.exp(in[i]) / sum);
            }
            assertClose(((FloatTensor) out.get("elu")).data(), elu);
            assertClose(((FloatTensor) out.get("sigmoid")).data(), sig);
            assertClose(((FloatTensor) out.get("tanh")).data(), tanh);
            assertClose(((FloatTensor) out.get("softmax")).data(), soft);
            assertClose(((FloatTensor) out.get("leaky")).data(), leaky);
        }
    }

    @Test
    void elementwiseAndReductions() throws Exception {
        OnnxGraph g = OnnxGraph.create("ew");
        String a = g.input("a", 3);
        String b = g.weights("b", new float[] {1, 4, 9}, 3);
        g.output(g.add(a, b), "add", -1, 3);
        g.output(g.sub(a, b), "sub", -1, 3);
        g.output(g.mul(a, b), "mul", -1, 3);
        g.output(g.div(a, b), "div", -1, 3);
        g.output(g.abs(g.sub(a, b)), "abs", -1, 3);
        g.output(g.sqrt(b), "sqrt", 3);
        g.output(g.reduceSum(a, true, 1), "sum", -1, 1);
        g.output(g.reduceMean(a, true, 1), "mean", -1, 1);
        g.output(g.max(a, b), "max", -1, 3);
        g.output(g.concat(1, a, b.equals("") ? a : g.mul(a, g.scalar(2f))), "concat", -1, 6);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            var out = s.run(Map.of("a", FloatTensor.of(new float[] {2, 2, 12}, 1, 3)));
            assertClose(((FloatTensor) out.get("add")).data(), 3, 6, 21);
            assertClose(((FloatTensor) out.get("sub")).data(), 1, -2, 3);
            assertClose(((FloatTensor) out.get("mul")).data(), 2, 8, 108);
            assertClose(((FloatTensor) out.get("div")).data(), 2, 0.5f, 12f / 9);
            assertClose(((FloatTensor) out.get("abs")).data(), 1, 2, 3);
            assertClose(((FloatTensor) out.get("sqrt")).data(), 1, 2, 3);
            assertClose(((FloatTensor) out.get("sum")).data(), 16);
            assertClose(((FloatTensor) out.get("mean")).data(), 16f / 3);
            assertClose(((FloatTensor) out.get("max")).data(), 2, 4, 12);
            assertClose(((FloatTensor) out.get("concat")).data(), 2, 2, 12, 4, 4, 24);
        }
    }

    @Test
    void minClipReciprocalPreluAndMaxReduction() throws Exception {
        OnnxGraph g = OnnxGraph.create("ops2");
        String a = g.input("a", 4);
        g.output(g.min(a, g.scalar(1f)), "min", -1, 4);
        g.output(g.clip(a, 0f, 6f), "clip", -1, 4);
        g.output(g.reciprocal(a), "rec", -1, 4);
        g.output(g.prelu(a, g.weights("slope", new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 4)), "prelu", -1, 4);
        g.output(g.reduceMax(a, false, 1), "rmax", -1);
        g.output(g.gemm(a, g.weights("Wt", new float[] {1, 0, 0, 1, 2, 0, 0, 0}, 2, 4), g.weights("c", new float[] {0, 1}, 2),
                false, true), "gemmT", -1, 2);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            var out = s.run(Map.of("a", FloatTensor.of(new float[] {-2, 0.5f, 4, 8}, 1, 4)));
            assertClose(((FloatTensor) out.get("min")).data(), -2, 0.5f, 1, 1);
            assertClose(((FloatTensor) out.get("clip")).data(), 0, 0.5f, 4, 6);
            assertClose(((FloatTensor) out.get("rec")).data(), -0.5f, 2, 0.25f, 0.125f);
            assertClose(((FloatTensor) out.get("prelu")).data(), -0.2f, 0.5f, 4, 8);
            assertClose(((FloatTensor) out.get("rmax")).data(), 8);
            // rows of Wt: [1,0,0,1] and [2,0,0,0]: a.Wt^T + c = [-2 + 8, -4 + 1]
            assertClose(((FloatTensor) out.get("gemmT")).data(), 6, -3);
        }
    }

    @Test
    void padAndSqueezeOnImages() throws Exception {
        OnnxGraph g = OnnxGraph.create("pad");
        String x = g.inputExact("x", DataType.FLOAT, -1, 1, 2, 2);
        // one row on top, one column on the right, one extra channel after
        g.output(g.pad(x, new long[] {0, 0, 1, 0, 0, 1, 0, 1}, 0f), "padded", -1, 2, 3, 3);
        g.output(g.squeeze(x, 1), "squeezed", -1, 2, 2);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            var out = s.run(Map.of("x", FloatTensor.of(new float[] {1, 2, 3, 4}, 1, 1, 2, 2)));
            FloatTensor padded = (FloatTensor) out.get("padded");
            assertThat(padded.shape()).containsExactly(1, 2, 3, 3);
            assertClose(padded.data(), 0, 0, 0, 1, 2, 0, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            FloatTensor squeezed = (FloatTensor) out.get("squeezed");
            assertThat(squeezed.shape()).containsExactly(1, 2, 2);
            assertClose(squeezed.data(), 1, 2, 3, 4);
        }
    }

    @Test
    void distanceHeads() throws Exception {
        OnnxGraph g = OnnxGraph.create("dist");
        String a = g.input("a", 2);
        String b = g.input("b", 2);
        g.output(g.euclideanDistance(a, b, 1e-12f), "euclid", -1, 1);
        g.output(g.cosineDistance(a, b, 1e-12f), "cosine", -1, 1);
        g.output(g.l2Normalize(a, 1, 1e-12f), "unit", -1, 2);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            var out = s.run(Map.of("a", FloatTensor.of(new float[] {3, 4, 1, 0}, 2, 2),
                    "b", FloatTensor.of(new float[] {0, 0, 0, 1}, 2, 2)));
            assertClose(((FloatTensor) out.get("euclid")).data(), 5, (float) Math.sqrt(2));
            // cos([3,4],[0,0]) is 0 by the epsilon guard; cos([1,0],[0,1]) = 0
            assertClose(((FloatTensor) out.get("cosine")).data(), 1, 1);
            assertClose(((FloatTensor) out.get("unit")).data(), 0.6f, 0.8f, 1, 0);
        }
    }

    @Test
    void dilatedConvolution() throws Exception {
        // 1x1x5x5 input 0..24, 3x3 kernel of ones with dilation 2: only output (0,0), summing rows/cols 0,2,4
        float[] img = new float[25];
        for (int i = 0; i < 25; i++) {
            img[i] = i;
        }
        float[] ones = new float[9];
        java.util.Arrays.fill(ones, 1f);
        OnnxGraph g = OnnxGraph.create("conv");
        String x = g.inputExact("x", DataType.FLOAT, -1, 1, 5, 5);
        String y = g.conv(x, g.weights("W", ones, 1, 1, 3, 3), g.weights("B", new float[] {1}, 1),
                new long[] {3, 3}, new long[] {1, 1}, new long[] {0, 0, 0, 0}, new long[] {2, 2}, 1);
        g.output(y, "y", -1, 1, 1, 1);
        float expected = 1;
        for (int r = 0; r <= 4; r += 2) {
            for (int c = 0; c <= 4; c += 2) {
                expected += r * 5 + c;
            }
        }
        assertClose(run(g, "x", FloatTensor.of(img, 1, 1, 5, 5), "y"), expected);

        OnnxGraph plain = OnnxGraph.create("conv1");
        String px = plain.inputExact("x", DataType.FLOAT, -1, 1, 5, 5);
        plain.output(plain.conv(px, plain.weights("W", ones, 1, 1, 3, 3), null, new long[] {3, 3}, new long[] {2, 2},
                new long[] {1, 1, 1, 1}, new long[] {1, 1}, 1), "y", -1, 1, 3, 3);
        float[] out = run(plain, "x", FloatTensor.of(img, 1, 1, 5, 5), "y");
        // top-left window with padding covers (0,0),(0,1),(1,0),(1,1)
        assertThat(out[0]).isCloseTo(0 + 1 + 5 + 6, EPS);
        // centre window covers rows 1..3, cols 1..3
        assertThat(out[4]).isCloseTo(6 + 7 + 8 + 11 + 12 + 13 + 16 + 17 + 18, EPS);
    }

    @Test
    void poolingFlattenReshape() throws Exception {
        float[] img = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        OnnxGraph g = OnnxGraph.create("pool");
        String x = g.inputExact("x", DataType.FLOAT, -1, 1, 4, 4);
        String max = g.maxPool(x, new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0, 0, 0});
        String avg = g.averagePool(x, new long[] {2, 2}, new long[] {2, 2}, new long[] {0, 0, 0, 0}, false);
        g.output(g.flatten(max, 1), "max", -1, 4);
        g.output(g.reshape(avg, 0, -1), "avg", -1, 4);
        g.output(g.transpose(g.reshape(x, 0, 4, 4), 0, 2, 1), "t", -1, 4, 4);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            var out = s.run(Map.of("x", FloatTensor.of(img, 1, 1, 4, 4)));
            assertClose(((FloatTensor) out.get("max")).data(), 6, 8, 14, 16);
            assertClose(((FloatTensor) out.get("avg")).data(), 3.5f, 5.5f, 11.5f, 13.5f);
            float[] t = ((FloatTensor) out.get("t")).data();
            assertThat(t[1]).isEqualTo(5f);
            assertThat(t[4]).isEqualTo(2f);
        }
    }

    @Test
    void signatureAndMetadataAreReadBack() throws Exception {
        OnnxGraph g = OnnxGraph.create("sig");
        String x = g.input("features", 7);
        g.output(g.sigmoid(g.reduceSum(x, true, 1)), "p", -1, 1);
        g.metadata("quorum.threshold", "0.42");
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            assertThat(s.signature().inputs()).containsExactly(TensorSpec.float32("features", -1, 7));
            assertThat(s.signature().outputs()).containsExactly(TensorSpec.float32("p", -1, 1));
            assertThat(s.metadata()).containsEntry("quorum.threshold", "0.42");
            assertThat(s.device()).isEqualTo("cpu");
        }
    }

    @Test
    void rejectsWrongShapesBeforeOrt() throws Exception {
        OnnxGraph g = OnnxGraph.create("shape");
        String x = g.input("x", 3);
        g.output(g.relu(x), "y", -1, 3);
        try (OnnxSession s = OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1))) {
            assertThatThrownBy(() -> s.runFloat(Map.of("x", FloatTensor.of(new float[4], 1, 4)), "y"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expects shape");
            assertThatThrownBy(() -> s.runFloat(Map.of("z", FloatTensor.of(new float[3], 1, 3)), "y"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no input");
        }
    }

    @Test
    void namesMustBeUnique() {
        OnnxGraph g = OnnxGraph.create("dup");
        g.input("x", 2);
        assertThatThrownBy(() -> g.input("x", 2)).hasMessageContaining("already used");
        assertThatThrownBy(() -> g.weights("w", new float[3], 2, 2)).hasMessageContaining("need 4");
        assertThat(List.of(OnnxGraph.IR_VERSION, OnnxGraph.OPSET)).containsExactly(8, 17);
    }
}
