package io.quorum.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The parity of piecewise outputs: a few examples at a tie are set aside, a wrong export is not. */
class ParityTest {

    @Test
    void setsAsideTheWorstFivePercentOfExamplesAtLeastOne() {
        double[] d = new double[256];
        Arrays.fill(d, 1e-7);
        for (int i = 0; i < 12; i++) {
            d[i * 20] = 0.005 + i;
        }
        assertThat(Parity.exceptTies(d)).as("12 of 256 at a tie").isEqualTo(1e-7);
        d[3] = 0.002;
        assertThat(Parity.exceptTies(d)).as("a 13th is not set aside").isEqualTo(0.002);

        double[] small = {1e-7, 2e-7, 0.02};
        assertThat(Parity.exceptTies(small)).as("one example of a small probe").isEqualTo(2e-7);
    }

    @Test
    void aWrongExportDiffersOnEveryExampleAndStillFails() {
        double[] d = new double[64];
        for (int i = 0; i < d.length; i++) {
            d[i] = 0.01 + i * 1e-3;
        }
        assertThat(Parity.exceptTies(d)).isGreaterThan(Parity.TOLERANCE);
        assertThat(Parity.exceptTies(new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY}))
                .as("NaN outputs count as infinitely far").isInfinite();
        assertThat(Parity.exceptTies(new double[0])).isZero();
        assertThat(Parity.exceptTies(new double[] {0.5})).as("a single example is never set aside").isEqualTo(0.5);
    }
}
