package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Fused ensembles of small random classifiers (a hidden ReLU layer, written with {@link OnnxGraph} with their exact
 * gradient graphs): every member's slice of {@code members} is what its own session gives, {@code probabilities} is
 * their mean, the fused gradient is the mean-probability ensemble's (checked against the members' gradients combined
 * in Java and against central differences of the fused loss), and the contract check accepts the result.
 */
class EnsembleFusionTest {

    static final int SIDE = 4;
    static final int D = SIDE * SIDE;
    static final int C = 3;
    static final int H = 5;

    /** A member: {@code softmax(relu(x W1 + b1) W2 + b2)}, its model and gradient graphs. */
    record Mlp(float[] w1, float[] b1, float[] w2, float[] b2) {

        static Mlp random(long seed) {
            Random r = new Random(seed);
            return new Mlp(gaussian(r, D * H, 0.8), gaussian(r, H, 0.3), gaussian(r, H * C, 1.5), gaussian(r, C, 0.3));
        }

        byte[] model() {
            OnnxGraph g = OnnxGraph.create("mlp");
            String x = g.input(DigitClassifierSpec.INPUT, D);
            g.output(g.softmax(logits(g, x), 1), DigitClassifierSpec.OUTPUT, -1, C);
            return meta(g).toBytes();
        }

        byte[] gradient() {
            OnnxGraph g = OnnxGraph.create("mlp-gradient");
            String x = g.input(DigitClassifierSpec.INPUT, D);
            String y = g.input(DigitClassifierSpec.LABELS, C);
            String pre = g.gemm(x, g.weights("W1", w1, D, H), g.weights("b1", b1, H));
            String h = g.relu(pre);
            String z = g.gemm(h, g.weights("W2", w2, H, C), g.weights("b2", b2, C));
            String p = g.softmax(z, 1);
            String logp = g.node("LogSoftmax", List.of(z), Map.of("axis", 1L));
            g.output(p, DigitClassifierSpec.OUTPUT, -1, C);
            g.output(g.neg(g.reduceSum(g.mul(y, logp), false, 1)), DigitClassifierSpec.LOSS, -1);
            String dh = g.mul(g.matMul(g.sub(p, y), g.weights("W2T", transpose(w2, H, C), C, H)),
                    g.node("Cast", List.of(g.node("Greater", List.of(pre, g.scalar(0f)), Map.of())), Map.of("to", 1L)));
            g.output(g.matMul(dh, g.weights("W1T", transpose(w1, D, H), H, D)), DigitClassifierSpec.GRADIENT, -1, D);
            return meta(g).toBytes();
        }

        private String logits(OnnxGraph g, String x) {
            String h = g.relu(g.gemm(x, g.weights("W1", w1, D, H), g.weights("b1", b1, H)));
            return g.gemm(h, g.weights("W2", w2, H, C), g.weights("b2", b2, C));
        }

        private static OnnxGraph meta(OnnxGraph g) {
            return g.metadata(DigitClassifierSpec.META_HEIGHT, Integer.toString(SIDE))
                    .metadata(DigitClassifierSpec.META_WIDTH, Integer.toString(SIDE))
                    .metadata(DigitClassifierSpec.META_CLASSES, "a,b,c").metadata(DigitClassifierSpec.META_DATASET, "test");
        }
    }

    private static List<EnsembleFusion.Member> members(int n) {
        List<EnsembleFusion.Member> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Mlp m = Mlp.random(100 + i);
            out.add(new EnsembleFusion.Member(i == n - 1 ? "baseline" : "m" + i, m.model(), m.gradient()));
        }
        return out;
    }

    private static float[][] images(int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][D];
        for (float[] row : x) {
            for (int j = 0; j < D; j++) {
                row[j] = r.nextFloat();
            }
        }
        return x;
    }

    @Test
    void everyMemberIsItsOwnModelAndProbabilitiesAreTheirMean() throws Exception {
        List<EnsembleFusion.Member> members = members(3);
        byte[] fused = EnsembleFusion.model(members, Map.of(DigitEnsembleSpec.META_MODE, "uniform"));
        float[][] x = images(7, 1);
        try (OnnxSession s = OnnxSession.open(fused, InferenceOptions.cpu(1))) {
            DigitEnsembleSpec.check(s, null);
            assertThat(DigitEnsembleSpec.members(s.signature())).isEqualTo(3);
            assertThat(s.metadata()).containsEntry(DigitEnsembleSpec.META_MEMBER_NAMES, "m0,m1,baseline")
                    .containsEntry(DigitEnsembleSpec.META_MEMBERS, "3").containsEntry(DigitEnsembleSpec.META_MODE, "uniform")
                    .containsEntry(DigitClassifierSpec.META_CLASSES, "a,b,c");
            DigitEnsembleSpec.Scores sc = DigitEnsembleSpec.scores(s, x);
            for (int k = 0; k < 3; k++) {
                try (OnnxSession own = OnnxSession.open(members.get(k).model(), InferenceOptions.cpu(1))) {
                    float[][] p = DigitClassifierSpec.probabilities(own, x);
                    for (int i = 0; i < x.length; i++) {
                        for (int c = 0; c < C; c++) {
                            assertThat(sc.members()[i][k][c]).isCloseTo(p[i][c], org.assertj.core.data.Offset.offset(1e-6f));
                        }
                    }
                }
            }
            for (int i = 0; i < x.length; i++) {
                for (int c = 0; c < C; c++) {
                    float mean = (sc.members()[i][0][c] + sc.members()[i][1][c] + sc.members()[i][2][c]) / 3;
                    assertThat(sc.mean()[i][c]).isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-6f));
                }
            }
        }
    }

    @Test
    void theFusedGradientIsTheMeanEnsemblesCrossEntropyGradient() throws Exception {
        List<EnsembleFusion.Member> members = members(3);
        byte[] fused = EnsembleFusion.gradient(members, Map.of());
        byte[] model = EnsembleFusion.model(members, Map.of());
        float[][] x = images(5, 2);
        int[] y = {0, 1, 2, 1, 0};
        try (OnnxSession g = OnnxSession.open(fused, InferenceOptions.cpu(1));
             OnnxSession m = OnnxSession.open(model, InferenceOptions.cpu(1))) {
            DigitClassifierSpec.checkGradient(g, D, C);
            DigitClassifierSpec.Gradients got = DigitClassifierSpec.gradients(g, x, y, C);
            // the members' own gradients, weighted by their probability of the label
            double[][] expected = new double[x.length][D];
            double[] weightSum = new double[x.length];
            List<DigitClassifierSpec.Gradients> own = new ArrayList<>();
            for (EnsembleFusion.Member member : members) {
                try (OnnxSession s = OnnxSession.open(member.gradient(), InferenceOptions.cpu(1))) {
                    own.add(DigitClassifierSpec.gradients(s, x, y, C));
                }
            }
            for (DigitClassifierSpec.Gradients o : own) {
                for (int i = 0; i < x.length; i++) {
                    double w = o.probabilities()[i][y[i]];
                    weightSum[i] += w;
                    for (int j = 0; j < D; j++) {
                        expected[i][j] += w * o.gradient()[i][j];
                    }
                }
            }
            float[][] mean = DigitClassifierSpec.probabilities(m, x);
            for (int i = 0; i < x.length; i++) {
                assertThat((double) got.loss()[i]).isCloseTo(-Math.log(mean[i][y[i]]), org.assertj.core.data.Offset.offset(1e-5));
                for (int j = 0; j < D; j++) {
                    assertThat((double) got.gradient()[i][j]).isCloseTo(expected[i][j] / weightSum[i],
                            org.assertj.core.data.Offset.offset(1e-5));
                }
            }
            // central differences of -log(mean p_y) through the fused model
            double h = 1e-2;
            for (int j = 0; j < D; j += 3) {
                float[][] plus = {x[0].clone()};
                float[][] minus = {x[0].clone()};
                plus[0][j] += (float) h;
                minus[0][j] -= (float) h;
                double lp = -Math.log(DigitClassifierSpec.probabilities(m, plus)[0][y[0]]);
                double lm = -Math.log(DigitClassifierSpec.probabilities(m, minus)[0][y[0]]);
                assertThat((double) got.gradient()[0][j]).isCloseTo((lp - lm) / (2 * h), org.assertj.core.data.Offset.offset(2e-3));
            }
            Map<String, Tensor> out = g.run(Map.of(DigitClassifierSpec.INPUT, FloatTensor.matrix(x), DigitClassifierSpec.LABELS,
                    FloatTensor.of(new float[x.length * C], x.length, C)), DigitEnsembleSpec.MEMBERS);
            assertThat(((FloatTensor) out.get(DigitEnsembleSpec.MEMBERS)).shape()).containsExactly(x.length, 3, C);
        }
    }

    @Test
    void aMemberTakenBackOutOfTheFusedGraphIsThatMember() throws Exception {
        List<EnsembleFusion.Member> members = members(3);
        byte[] fused = EnsembleFusion.model(members, Map.of());
        float[][] x = images(4, 5);
        for (EnsembleFusion.Member m : members) {
            byte[] alone = EnsembleFusion.member(fused, m.name());
            assertThat(alone.length).as("one member's weights, not all three").isLessThan(fused.length / 2);
            try (OnnxSession s = OnnxSession.open(alone, InferenceOptions.cpu(1));
                 OnnxSession own = OnnxSession.open(m.model(), InferenceOptions.cpu(1))) {
                DigitClassifierSpec.check(s, null);
                float[][] a = DigitClassifierSpec.probabilities(s, x);
                float[][] b = DigitClassifierSpec.probabilities(own, x);
                for (int i = 0; i < x.length; i++) {
                    assertThat(a[i]).containsExactly(b[i]);
                }
            }
        }
        assertThatThrownBy(() -> EnsembleFusion.member(fused, "m9")).isInstanceOf(RuntimeException.class);
    }

    @Test
    void aSingleMemberEnsembleIsThatMember() throws Exception {
        List<EnsembleFusion.Member> one = members(1);
        float[][] x = images(3, 3);
        try (OnnxSession s = OnnxSession.open(EnsembleFusion.model(one, Map.of()), InferenceOptions.cpu(1));
             OnnxSession own = OnnxSession.open(one.get(0).model(), InferenceOptions.cpu(1))) {
            assertThat(DigitClassifierSpec.probabilities(s, x)[2][1])
                    .isCloseTo(DigitClassifierSpec.probabilities(own, x)[2][1], org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void refusesMembersThatDoNotFit() {
        Mlp m = Mlp.random(1);
        assertThatThrownBy(() -> EnsembleFusion.model(List.of(new EnsembleFusion.Member("a", m.model(), null),
                new EnsembleFusion.Member("a", m.model(), null)), Map.of())).hasMessageContaining("two members are called a");
        assertThatThrownBy(() -> EnsembleFusion.gradient(List.of(new EnsembleFusion.Member("a", m.model(), null)), Map.of()))
                .hasMessageContaining("has no gradient.onnx");
        OnnxGraph other = OnnxGraph.create("other");
        String x = other.input("pixels", D);
        other.output(other.softmax(x, 1), DigitClassifierSpec.OUTPUT, -1, D);
        other.metadata(DigitClassifierSpec.META_CLASSES, "a,b,c");
        assertThatThrownBy(() -> EnsembleFusion.model(List.of(new EnsembleFusion.Member("a", other.toBytes(), null)), Map.of()))
                .hasMessageContaining("input 'pixels' is not bound");
    }

    private static float[] gaussian(Random r, int n, double sd) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * sd);
        }
        return a;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = a[r * cols + c];
            }
        }
        return t;
    }
}
