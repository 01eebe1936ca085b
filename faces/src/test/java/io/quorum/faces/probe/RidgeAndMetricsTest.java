package io.quorum.faces.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RidgeAndMetricsTest {

    @Test
    void metricsOnKnownValues() {
        double[] target = {1, 2, 3, 4, 5};
        RegressionMetrics perfect = RegressionMetrics.of(target.clone(), target);
        assertThat(perfect.plcc()).isCloseTo(1, within(1e-12));
        assertThat(perfect.mae()).isZero();
        // monotone but not linear: SRCC 1, PLCC below 1; errors 0,2,6,12,20 -> MAE 8, RMSE sqrt(584/5)
        double[] squares = {1, 4, 9, 16, 25};
        RegressionMetrics m = RegressionMetrics.of(squares, target);
        assertThat(m.srcc()).isCloseTo(1, within(1e-12));
        assertThat(m.plcc()).isLessThan(0.99).isGreaterThan(0.9);
        assertThat(m.mae()).isCloseTo(8, within(1e-12));
        assertThat(m.rmse()).isCloseTo(Math.sqrt(584 / 5.0), within(1e-12));
        // ties share their average rank
        assertThat(RegressionMetrics.ranks(new double[] {3, 1, 3, 2})).containsExactly(3.5, 1, 3.5, 2);
        assertThat(RegressionMetrics.of(new double[] {5, 4, 3, 2, 1}, target).srcc()).isCloseTo(-1, within(1e-12));
    }

    @Test
    void ridgeRecoversALinearModelAndShrinksWithLambda() {
        Random r = new Random(7);
        int n = 400;
        int d = 20;
        float[][] x = new float[n][d];
        double[] y = new double[n];
        double[] w = new double[d];
        for (int j = 0; j < d; j++) {
            w[j] = j % 3 == 0 ? 1.5 : 0;
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = (float) r.nextGaussian();
                y[i] += w[j] * x[i][j];
            }
            y[i] += 5 + 0.1 * r.nextGaussian();
        }
        Ridge fit = Ridge.fit(x, y, 1e-3);
        RegressionMetrics m = RegressionMetrics.of(fit.predict(x), y);
        assertThat(m.plcc()).isGreaterThan(0.999);
        assertThat(m.rmse()).isLessThan(0.12);
        // a huge lambda predicts (almost) the mean
        Ridge flat = Ridge.fit(x, y, 1e9);
        assertThat(flat.predict(x[0])).isCloseTo(java.util.Arrays.stream(y).average().orElseThrow(), within(0.01));
        // cross-validation prefers the small lambda on clean linear data
        assertThat(Ridge.chooseLambda(x, y, new double[] {0.01, 1e6}, 5)).isEqualTo(0.01);
    }

    @Test
    void theFoldedLinearMapPredictsExactlyLikeTheRidge() {
        Random r = new Random(11);
        float[][] x = new float[60][5];
        double[] y = new double[60];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 5; j++) {
                x[i][j] = (float) (r.nextGaussian() * (j + 1) + 3 * j);
            }
            y[i] = x[i][0] - 0.5 * x[i][3] + r.nextGaussian();
        }
        Ridge fit = Ridge.fit(x, y, 2);
        Ridge.Linear lin = fit.linear();
        for (float[] row : x) {
            double s = lin.bias();
            for (int j = 0; j < 5; j++) {
                s += lin.weights()[j] * row[j];
            }
            assertThat(s).isCloseTo(fit.predict(row), within(1e-9));
        }
    }

    @Test
    void choleskySolvesASmallSystem() {
        // [[4, 2], [2, 3]] x = [2, 1] -> x = [0.5, 0]
        double[] sol = Ridge.choleskySolve(new double[] {4, 2, 2, 3}, new double[] {2, 1}, 2);
        assertThat(sol[0]).isCloseTo(0.5, within(1e-12));
        assertThat(sol[1]).isCloseTo(0, within(1e-12));
    }
}
