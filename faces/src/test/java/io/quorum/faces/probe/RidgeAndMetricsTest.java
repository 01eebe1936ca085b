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

    /** The dual-form CV gives, fold by fold, the PLCC of the primal {@link Ridge} fitted on the other folds. */
    @Test
    void crossValidationInDualFormMatchesThePrimalRidgeFoldByFold() throws Exception {
        Random r = new Random(11);
        int n = 70;
        for (int d : new int[] {12, 150}) { // fewer and more features than rows
            float[][] x = new float[n][d];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    x[i][j] = (float) (r.nextGaussian() * (1 + j % 5) + j);
                }
                y[i] = x[i][0] - 0.5 * x[i][d - 1] + r.nextGaussian();
            }
            double[] grid = {0.1, 10, 1000};
            int[] fold = RidgeCv.folds(n, 5, 3);
            assertThat(java.util.Arrays.stream(fold).filter(f -> f == 4).count()).isEqualTo(14);
            RidgeCv.Result cv = RidgeCv.run(x, y, grid, fold, 2);
            for (int l = 0; l < grid.length; l++) {
                for (int f = 0; f < 5; f++) {
                    java.util.List<float[]> tx = new java.util.ArrayList<>();
                    java.util.List<Double> ty = new java.util.ArrayList<>();
                    java.util.List<Integer> te = new java.util.ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if (fold[i] == f) {
                            te.add(i);
                        } else {
                            tx.add(x[i]);
                            ty.add(y[i]);
                        }
                    }
                    Ridge primal = Ridge.fit(tx.toArray(new float[0][]), ty.stream().mapToDouble(Double::doubleValue).toArray(), grid[l]);
                    double[] p = te.stream().mapToDouble(i -> primal.predict(x[i])).toArray();
                    double[] t = te.stream().mapToDouble(i -> y[i]).toArray();
                    assertThat(cv.points().get(l).foldPlcc()[f]).as("d=%d lambda=%s fold %d", d, grid[l], f)
                            .isCloseTo(RegressionMetrics.of(p, t).plcc(), within(1e-9));
                }
            }
            RidgeCv.Point best = cv.points().stream().max(java.util.Comparator.comparingDouble(RidgeCv.Point::meanPlcc)).orElseThrow();
            assertThat(cv.best()).isEqualTo(best);
        }
    }
}
