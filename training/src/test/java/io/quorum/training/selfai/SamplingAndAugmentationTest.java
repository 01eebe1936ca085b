package io.quorum.training.selfai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Class-balanced sampling, Siamese pairs, and the augmentation's invariants. */
class SamplingAndAugmentationTest {

    /** A Gaussian-like set: 10 / 100 / 1000 / 100 / 10 images in classes 3..7. */
    private static double[] skewed() {
        int[] counts = {10, 100, 1000, 100, 10};
        double[] s = new double[1220];
        int k = 0;
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                s[k++] = 3 + c + (i % 10) / 10.0;
            }
        }
        return s;
    }

    @Test
    void balancedSamplingPicksEachClassEquallyOften() {
        ScoreClasses c = new ScoreClasses(skewed(), 3, 7);
        assertThat(c.counts()).containsExactly(10, 100, 1000, 100, 10);
        int[] hits = new int[5];
        for (int i : c.balanced(50_000, new Random(1))) {
            hits[c.classOf(i)]++;
        }
        for (int h : hits) {
            assertThat(h).isBetween(9_500, 10_500); // 10,000 expected each, whatever the class size
        }
        // and uniformly inside a class: the 10 images of class 3 are all drawn
        boolean[] seen = new boolean[10];
        for (int i : c.balanced(5_000, new Random(2))) {
            if (i < 10) {
                seen[i] = true;
            }
        }
        assertThat(seen).containsOnly(true);
    }

    @Test
    void scoresAreBucketedAndClampedAndPairsRespectTheGap() {
        ScoreClasses c = new ScoreClasses(new double[] {1.2, 3.9, 4.0, 9.7, 6.5, 6.1}, 3, 8);
        assertThat(c.classOf(0)).isZero(); // 1.2 -> 3 (clamped)
        assertThat(c.classOf(1)).isZero();
        assertThat(c.classOf(2)).isEqualTo(1);
        assertThat(c.classOf(3)).isEqualTo(5); // 9.7 -> 8 (clamped)
        ScoreClasses s = new ScoreClasses(skewed(), 3, 7);
        Random rnd = new Random(3);
        int same = 0;
        for (int i = 0; i < 2000; i++) {
            int[] p = s.pair(2, rnd);
            assertThat(p[0]).isNotEqualTo(p[1]);
            if (p[2] == 1) {
                same++;
                assertThat(s.classOf(p[0])).isEqualTo(s.classOf(p[1]));
            } else {
                assertThat(Math.abs(s.classOf(p[0]) - s.classOf(p[1]))).isGreaterThanOrEqualTo(2);
            }
        }
        assertThat(same).isBetween(900, 1100);
    }

    private static float[] image(int side, long seed) {
        Random r = new Random(seed);
        float[] x = new float[3 * side * side];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextFloat();
        }
        return x;
    }

    @Test
    void augmentationKeepsShapeAndRangeAndIsSeeded() {
        int side = 24;
        float[] x = image(side, 5);
        float[] before = x.clone();
        Random rnd = new Random(9);
        for (int k = 0; k < 20; k++) {
            float[] y = FaceAugmentation.DEFAULT.apply(x, side, rnd);
            assertThat(y).hasSize(x.length);
            for (float v : y) {
                assertThat(v).isBetween(0f, 1f);
            }
        }
        assertThat(x).as("the source is not modified").containsExactly(before);
        assertThat(FaceAugmentation.DEFAULT.apply(x, side, new Random(4)))
                .containsExactly(FaceAugmentation.DEFAULT.apply(x, side, new Random(4)));
        assertThat(FaceAugmentation.DEFAULT.apply(x, side, new Random(4)))
                .isNotEqualTo(FaceAugmentation.DEFAULT.apply(x, side, new Random(5)));
    }

    @Test
    void flipIsAnExactMirrorAndIdentityOtherwise() {
        int side = 7;
        float[] x = image(side, 6);
        FaceAugmentation flipOnly = new FaceAugmentation(0, 0, 0, true);
        int flipped = 0;
        Random rnd = new Random(1);
        for (int k = 0; k < 16; k++) {
            float[] y = flipOnly.apply(x, side, rnd);
            boolean same = java.util.Arrays.equals(x, y);
            if (!same) {
                flipped++;
                for (int c = 0; c < 3; c++) {
                    for (int r = 0; r < side; r++) {
                        for (int col = 0; col < side; col++) {
                            assertThat(y[(c * side + r) * side + col]).isEqualTo(x[(c * side + r) * side + side - 1 - col]);
                        }
                    }
                }
            }
        }
        assertThat(flipped).isBetween(3, 13);
        assertThat(new FaceAugmentation(0, 0, 0, false).apply(x, side, new Random(1))).containsExactly(x);
        // a zero-angle, unit-scale warp is the identity
        assertThat(FaceAugmentation.warp(x, side, 0, 1)).containsExactly(x, org.assertj.core.api.Assertions.within(1e-6f));
    }
}
