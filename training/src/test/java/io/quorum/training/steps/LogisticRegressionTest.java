package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quorum.training.api.LocalJobContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Logistic regression with the standardisation folded in: learns a separable set given in raw, badly scaled units. */
class LogisticRegressionTest {

    @TempDir
    Path work;

    /** Two features on very different scales and offsets; the label is which side of a line a point is on. */
    private static float[][] points(int n, int[] y, long seed) {
        Random rnd = new Random(seed);
        float[][] x = new float[n][];
        int i = 0;
        while (i < n) {
            double a = rnd.nextGaussian();
            double b = rnd.nextGaussian();
            double margin = a - 2 * b;
            if (Math.abs(margin) < 0.3) {
                continue; // a gap around the boundary: separable
            }
            x[i] = new float[] {(float) (5000 + 1000 * a), (float) (0.01 * b - 3)};
            y[i] = margin > 0 ? 1 : 0;
            i++;
        }
        return x;
    }

    private LocalJobContext ctx(long seed) {
        return new LocalJobContext("lr", Map.of(), seed, work, work, line -> { });
    }

    @Test
    void separatesALinearlySeparableSetOnRawFeatures() {
        int n = 400;
        int[] y = new int[n];
        float[][] x = points(n, y, 1);
        int[] train = IntStream.range(0, 300).toArray();
        int[] held = IntStream.range(300, n).toArray();
        LocalJobContext ctx = ctx(42);
        LogisticRegression lr = LogisticRegression.fit(x, y, train, new LogisticRegression.Settings(60, 32, 0.05, 0), ctx);

        for (int[] rows : new int[][] {train, held}) {
            double[] p = lr.predict(x, rows);
            for (int r = 0; r < rows.length; r++) {
                assertThat(p[r] >= 0.5 ? 1 : 0).as("row %d (p=%f)", rows[r], p[r]).isEqualTo(y[rows[r]]);
            }
        }
        assertThat(ctx.progress()).hasSize(60); // one report per epoch
        assertThat(lr.network().getLayer(0).getParam("W").length()).isEqualTo(2);
        // the network itself takes raw features: the same probabilities from its matrix input
        assertThat(lr.predict(LogisticRegression.matrix(x, held))).containsExactly(lr.predict(x, held));
    }

    @Test
    void theSameSeedFitsTheSameWeights() {
        int n = 200;
        int[] y = new int[n];
        float[][] x = points(n, y, 2);
        int[] rows = IntStream.range(0, n).toArray();
        LogisticRegression.Settings s = new LogisticRegression.Settings(5, 16, 0.01, 1e-3);
        double[] a = LogisticRegression.fit(x, y, rows, s, ctx(9)).predict(x, rows);
        double[] b = LogisticRegression.fit(x, y, rows, s, ctx(9)).predict(x, rows);
        double[] c = LogisticRegression.fit(x, y, rows, s, ctx(10)).predict(x, rows);
        assertThat(a).containsExactly(b);
        assertThat(a).isNotEqualTo(c);
    }

    @Test
    void standardizationIsTheMeanAndSpreadOfTheGivenRowsOnly() {
        float[][] x = {{1, 10}, {3, 10}, {100, -5}};
        LogisticRegression.Standardization s = LogisticRegression.Standardization.of(x, new int[] {0, 1});
        assertThat(s.mean()).containsExactly(2.0, 10.0);
        assertThat(s.std()[0]).isCloseTo(1.0, within(1e-12));
        assertThat(s.std()[1]).isEqualTo(1e-6); // a constant feature is not divided by zero
    }
}
