package io.quorum.training.selfai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The two losses against hand-computed values and gradients. */
class LossesTest {

    private static INDArray m(float[] v, long... shape) {
        return Nd4j.create(v, shape, 'c');
    }

    @Test
    void huberIsQuadraticInsideDeltaAndLinearOutside() {
        HuberLoss h = new HuberLoss(1.0);
        // predictions 5, 7.5, 2, 4.2 against 5.5, 5, 2, 4: d = -0.5, 2.5, 0, 0.2
        INDArray pred = m(new float[] {5f, 7.5f, 2f, 4.2f}, 4, 1);
        INDArray y = m(new float[] {5.5f, 5f, 2f, 4f}, 4, 1);
        var id = new ActivationIdentity();
        float[] scores = Losses.floats(h.computeScoreArray(y, pred, id, null));
        assertThat(scores[0]).isCloseTo(0.125f, within(1e-6f)); // 0.5 * 0.25
        assertThat(scores[1]).isCloseTo(2.0f, within(1e-6f)); // 1 * (2.5 - 0.5)
        assertThat(scores[2]).isCloseTo(0f, within(1e-6f));
        assertThat(scores[3]).isCloseTo(0.02f, within(1e-6f)); // 0.5 * 0.04
        assertThat(h.computeScore(y, pred, id, null, true)).isCloseTo((0.125 + 2 + 0 + 0.02) / 4, within(1e-6));
        float[] g = Losses.floats(h.computeGradient(y, pred, id, null));
        assertThat(g).containsExactly(new float[] {-0.5f, 1f, 0f, 0.2f}, within(1e-6f));
        assertThat(new HuberLoss(2.0).computeScoreArray(y, pred, id, null).getFloat(1)).isCloseTo(3.0f, within(1e-6f));
        assertThat(HuberLoss.value(-3, 1)).isEqualTo(2.5);
    }

    @Test
    void hingeEmbeddingOnTheL1DistanceOfPairedRows() {
        PairedHingeL1Loss loss = new PairedHingeL1Loss(2.0);
        // 3 pairs of 2-d features: rows 0..2 first images, rows 3..5 second images
        INDArray f = m(new float[] {
                0f, 0f, //  pair 0 a
                1f, 1f, //  pair 1 a
                0f, 0f, //  pair 2 a
                0.5f, -0.25f, // pair 0 b: L1 0.75
                1f, 2f, //  pair 1 b: L1 1
                3f, 0f}, // pair 2 b: L1 3
                6, 2);
        INDArray y = m(new float[] {1, -1, -1, 1, -1, -1}, 6, 1); // same, different (inside margin), different (beyond)
        var id = new ActivationIdentity();
        float[] s = Losses.floats(loss.computeScoreArray(y, f, id, null));
        // pair losses 0.75, max(0, 2 - 1) = 1, max(0, 2 - 3) = 0; halves on both rows
        assertThat(s).containsExactly(new float[] {0.375f, 0.5f, 0f, 0.375f, 0.5f, 0f}, within(1e-6f));
        assertThat(loss.computeScore(y, f, id, null, false)).isCloseTo(1.75, within(1e-6));
        float[] g = Losses.floats(loss.computeGradient(y, f, id, null));
        assertThat(g).containsExactly(new float[] {
                -1f, 1f, // same pair: d(|a-b|)/da = sign(a - b) = sign(-0.5), sign(0.25)
                0f, 1f, //  different inside the margin: -sign(a - b) = -sign(0), -sign(-1)
                0f, 0f, //  beyond the margin: no gradient
                1f, -1f,
                0f, -1f,
                0f, 0f}, within(1e-6f));
        // a numerical check of the gradient on pair 0
        double eps = 1e-3;
        INDArray f2 = f.dup();
        f2.putScalar(0, 0, eps);
        double dl = (loss.computeScore(y, f2, id, null, false) - 1.75) / eps;
        assertThat(dl).isCloseTo(g[0], within(1e-2));
    }
}
