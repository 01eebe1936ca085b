package io.quorum.vision.ensemble;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The three votes, the disagreement score and the detector on hand-made member probabilities. */
class VotesTest {

    /** Three members over three classes: two mildly for class 0, one very sure of class 2. */
    static final float[][] SPLIT = {
            {0.5f, 0.3f, 0.2f},
            {0.45f, 0.35f, 0.2f},
            {0.02f, 0.03f, 0.95f}};

    @Test
    void meanMaxAndMajorityDecideDifferentlyFromTheSameMembers() {
        // mean: (0.323, 0.227, 0.45) -> class 2
        assertThat(Vote.MEAN.decide(SPLIT).label()).isEqualTo(2);
        assertThat(Vote.MEAN.decide(SPLIT).confidence()).isCloseTo(0.45, Offset.offset(1e-6));
        // max: the most confident member (0.95) decides
        assertThat(Vote.MAX.decide(SPLIT)).isEqualTo(new Vote.Decision(2, 0.95f));
        // majority: two of three members predict class 0
        assertThat(Vote.MAJORITY.decide(SPLIT).label()).isEqualTo(0);
        assertThat(Vote.MAJORITY.decide(SPLIT).confidence()).isCloseTo(2 / 3.0, Offset.offset(1e-9));
        for (Vote v : Vote.values()) {
            float[] d = v.distribution(SPLIT);
            assertThat(argmax(d)).as(v.wire()).isEqualTo(v.decide(SPLIT).label());
        }
    }

    @Test
    void majorityTiesGoToTheHigherMeanProbability() {
        float[][] tie = {{0.6f, 0.4f}, {0.1f, 0.9f}};
        assertThat(Vote.MAJORITY.decide(tie).label()).isEqualTo(1);
        assertThat(argmax(Vote.MAJORITY.distribution(tie))).isEqualTo(1);
    }

    @Test
    void votesParseByName() {
        assertThat(Vote.parse(" Max ")).isEqualTo(Vote.MAX);
        assertThat(Vote.MAJORITY.wire()).isEqualTo("majority");
        assertThatThrownBy(() -> Vote.parse("median")).hasMessageContaining("mean, max or majority");
        assertThatThrownBy(() -> Vote.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void disagreementIsZeroForIdenticalMembersAndGrowsWithConflict() {
        float[][] same = {{0.7f, 0.2f, 0.1f}, {0.7f, 0.2f, 0.1f}};
        assertThat(Disagreement.mutualInformation(same)).isCloseTo(0, Offset.offset(1e-7));
        float[][] opposite = {{1f, 0f}, {0f, 1f}};
        assertThat(Disagreement.mutualInformation(opposite)).as("log 2 for two sure members that disagree")
                .isCloseTo(Math.log(2), Offset.offset(1e-6));
        float[][] unsureAlike = {{0.5f, 0.5f}, {0.5f, 0.5f}};
        assertThat(Disagreement.mutualInformation(unsureAlike)).as("uncertain but agreeing members do not disagree")
                .isCloseTo(0, Offset.offset(1e-7));
        assertThat(Disagreement.mutualInformation(SPLIT)).isGreaterThan(0.1);
        assertThat(Disagreement.agreement(SPLIT, 0)).isCloseTo(2 / 3.0, Offset.offset(1e-9));
        assertThat(Vote.memberPredictions(SPLIT)).containsExactly(0, 0, 2);
    }

    @Test
    void theThresholdFlagsAtMostTheStatedShareOfCleanScores() {
        double[] clean = new double[100];
        for (int i = 0; i < 100; i++) {
            clean[i] = i / 100.0;
        }
        double t = Detector.threshold(clean, 0.05);
        assertThat(Detector.flagged(clean, t)).isEqualTo(0.05);
        assertThat(Detector.threshold(clean, 0.0)).isEqualTo(0.99);
        assertThat(Detector.rocAuc(new double[] {0.1, 0.2}, new double[] {0.3, 0.4})).isEqualTo(1.0);
        assertThat(Detector.rocAuc(new double[] {0.1, 0.3}, new double[] {0.2, 0.4})).isEqualTo(0.75);
        assertThatThrownBy(() -> Detector.threshold(new double[0], 0.05)).hasMessageContaining("no clean scores");
    }

    @Test
    void prefixesAndRangesSelectMembers() {
        float[][][] all = {SPLIT};
        assertThat(OnnxEnsemble.prefix(all, 2)[0]).hasDimensions(2, 3);
        assertThat(OnnxEnsemble.predictions(OnnxEnsemble.prefix(all, 2), Vote.MAX)).containsExactly(0);
        assertThat(OnnxEnsemble.predictions(OnnxEnsemble.range(all, 2, 3), Vote.MEAN)).containsExactly(2);
    }

    private static int argmax(float[] p) {
        int b = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[b]) {
                b = i;
            }
        }
        return b;
    }
}
