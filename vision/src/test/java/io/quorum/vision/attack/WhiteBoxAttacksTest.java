package io.quorum.vision.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.vision.model.Classifier;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WhiteBoxAttacksTest {

    static final int PIXELS = 64;

    /** Images the model classifies as their labels (its own predictions on random inputs in [0.2, 0.8]). */
    static float[][] images(int n, long seed) {
        Random r = new Random(seed);
        float[][] x = new float[n][PIXELS];
        for (float[] row : x) {
            for (int j = 0; j < PIXELS; j++) {
                row[j] = 0.2f + 0.6f * r.nextFloat();
            }
        }
        return x;
    }

    @Test
    void fgsmMovesEveryPixelByExactlyEpsInTheSignOfTheGradientAndClipsToTheUnitInterval() {
        LinearModel m = LinearModel.random(4, PIXELS, 1);
        float[][] x = images(20, 2);
        x[0][0] = 0.05f; // near the edges: clipping must keep [0, 1]
        x[0][1] = 0.97f;
        int[] y = Classifier.argmax(m.probabilities(x));
        AttackParams p = AttackParams.parse(Map.of("eps", "0.1"));
        Outcome o = new Fgsm().run(m, x, y, p, new Random(0));
        float[][] g = m.lossGradient(x, y);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < PIXELS; j++) {
                float expected = Math.max(0f, Math.min(1f, x[i][j] + 0.1f * Math.signum(g[i][j])));
                assertThat(o.adversarial()[i][j]).isEqualTo(expected);
                if (g[i][j] != 0 && expected > 0f && expected < 1f) {
                    assertThat((double) Math.abs(o.adversarial()[i][j] - x[i][j])).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-6));
                }
                assertThat(o.adversarial()[i][j]).isBetween(0f, 1f);
            }
        }
        assertThat(o.adversarial()[0][0]).isIn(0f, 0.15f);
        assertThat(o.queries()).containsOnly(1L);

        // the gradient call's probabilities of the clean images come along: scoring on the same model reuses them
        assertThat(o.cleanProbabilitiesOn(m)).isDeepEqualTo(m.probabilities(x));
        assertThat(o.cleanProbabilitiesOn(LinearModel.random(4, PIXELS, 9))).isNull();
        long before = m.queries;
        AttackReport r = AttackReport.score(m, x, y, o, -1, 0.99);
        assertThat(m.queries - before).as("one pass, over the adversarials only").isEqualTo(x.length);
        LinearModel other = LinearModel.random(4, PIXELS, 1); // same weights, another instance: scores both
        AttackReport again = AttackReport.score(other, x, y, o, -1, 0.99);
        assertThat(other.queries).isEqualTo(2L * x.length);
        for (int i = 0; i < x.length; i++) {
            assertThat(r.item(i)).isEqualTo(again.item(i));
        }
    }

    @Test
    void pgdNeverLeavesTheEpsBallOrTheUnitIntervalAndBeatsFgsm() {
        LinearModel m = LinearModel.random(4, PIXELS, 3);
        float[][] x = images(200, 4);
        int[] y = Classifier.argmax(m.probabilities(x));
        AttackParams p = AttackParams.parse(Map.of("eps", "0.05", "steps", "20"));
        Outcome pgd = new Pgd().run(m, x, y, p, new Random(5));
        for (int i = 0; i < x.length; i++) {
            assertThat(Perturbation.linf(x[i], pgd.adversarial()[i])).isLessThanOrEqualTo(0.05 + 1e-6);
            for (float v : pgd.adversarial()[i]) {
                assertThat(v).isBetween(0f, 1f);
            }
        }
        AttackReport rPgd = AttackReport.score(m, x, y, pgd, -1, 0);
        AttackReport rFgsm = AttackReport.score(m, x, y, new Fgsm().run(m, x, y, p, new Random(5)), -1, 0);
        assertThat(rPgd.accuracyBefore()).isEqualTo(1.0);
        assertThat(rPgd.accuracyAfter()).isLessThanOrEqualTo(rFgsm.accuracyAfter());
        assertThat(rPgd.successRate()).isGreaterThan(0.3);
        assertThat(pgd.queries()).containsOnly(20L);
    }

    @Test
    void aTargetedAttackMovesTowardTheTarget() {
        LinearModel m = LinearModel.random(4, PIXELS, 6);
        float[][] x = images(100, 7);
        int[] y = Classifier.argmax(m.probabilities(x));
        AttackParams p = AttackParams.parse(Map.of("eps", "0.3", "steps", "30", "target", "2"));
        AttackReport r = AttackReport.score(m, x, y, new Pgd().run(m, x, y, p, new Random(8)), 2, 0);
        assertThat(r.successRate()).isGreaterThan(0.9);
    }

    @Test
    void badParametersAreRefusedByName() {
        assertThatThrownBy(() -> AttackParams.parse(Map.of("eps", "0"))).hasMessageContaining("eps");
        assertThatThrownBy(() -> AttackParams.parse(Map.of("eps", "NaN"))).hasMessageContaining("eps");
        assertThatThrownBy(() -> AttackParams.parse(Map.of("steps", "many"))).hasMessageContaining("steps");
        assertThatThrownBy(() -> AttackParams.parse(Map.of("epsilon", "0.1"))).hasMessageContaining("unknown attack parameter");
        assertThat(AttackParams.parse(Map.of("eps", "0.1", "steps", "10")).stepSize()).isCloseTo(0.025, org.assertj.core.data.Offset.offset(1e-9));
    }
}
