package io.quorum.faces.probe;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * k-fold cross-validation of {@link Ridge} over a lambda grid on training data only, fast enough for thousands of
 * features: per fold the features are standardised with that fold's training statistics (as {@link Ridge#fit} does),
 * and the ridge is solved in its dual form, {@code alpha = (Z Z' + lambda I)^-1 (y - mean y)}, prediction
 * {@code mean y + Z_test Z' alpha}: the same solution as the primal {@link Ridge} (the identity
 * {@code (Z'Z + lambda I)^-1 Z' = Z' (Z Z' + lambda I)^-1}), one n x n Gram matrix per fold and one Cholesky per lambda.
 * Folds are a seeded shuffle, the same for every feature set given the same seed, so feature sets are compared on the
 * same splits. The chosen lambda is the one with the highest mean per-fold PLCC (the target metric).
 */
public final class RidgeCv {

    /** One lambda's cross-validated figures: per-fold PLCC, its mean and sample sd, out-of-fold MSE and PLCC. */
    public record Point(double lambda, double[] foldPlcc, double meanPlcc, double sdPlcc, double mse, double pooledPlcc) {
    }

    /** Every lambda's figures and the chosen one. */
    public record Result(List<Point> points, Point best) {
    }

    private RidgeCv() {
    }

    /** The fold (0..k-1) of each of {@code n} rows: a shuffle with {@code seed}, dealt round-robin. */
    public static int[] folds(int n, int k, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        int[] fold = new int[n];
        for (int r = 0; r < n; r++) {
            fold[order.get(r)] = r % k;
        }
        return fold;
    }

    /** Cross-validates every lambda of {@code grid} on {@code (x, y)} with the given fold assignment. */
    public static Result run(float[][] x, double[] y, double[] grid, int[] fold, int threads) throws Exception {
        int k = java.util.Arrays.stream(fold).max().orElseThrow() + 1;
        double[][] oof = new double[grid.length][y.length];
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads));
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (int f = 0; f < k; f++) {
                int ff = f;
                jobs.add(pool.submit(() -> {
                    foldPredictions(x, y, fold, ff, grid, oof);
                    return null;
                }));
            }
            for (Future<?> j : jobs) {
                j.get();
            }
        } finally {
            pool.shutdown();
        }
        List<Point> points = new ArrayList<>();
        Point best = null;
        for (int l = 0; l < grid.length; l++) {
            double[] fp = new double[k];
            for (int f = 0; f < k; f++) {
                List<Double> p = new ArrayList<>();
                List<Double> t = new ArrayList<>();
                for (int i = 0; i < y.length; i++) {
                    if (fold[i] == f) {
                        p.add(oof[l][i]);
                        t.add(y[i]);
                    }
                }
                fp[f] = RegressionMetrics.of(p.stream().mapToDouble(Double::doubleValue).toArray(),
                        t.stream().mapToDouble(Double::doubleValue).toArray()).plcc();
            }
            double mean = java.util.Arrays.stream(fp).average().orElseThrow();
            double ss = 0;
            for (double v : fp) {
                ss += (v - mean) * (v - mean);
            }
            double mse = 0;
            for (int i = 0; i < y.length; i++) {
                mse += (oof[l][i] - y[i]) * (oof[l][i] - y[i]);
            }
            Point pt = new Point(grid[l], fp, mean, Math.sqrt(ss / (k - 1)), mse / y.length,
                    RegressionMetrics.of(oof[l], y).plcc());
            points.add(pt);
            if (best == null || pt.meanPlcc() > best.meanPlcc()) {
                best = pt;
            }
        }
        return new Result(points, best);
    }

    /** Fits on every fold but {@code f} (standardised with their statistics), predicts fold {@code f} per lambda. */
    private static void foldPredictions(float[][] x, double[] y, int[] fold, int f, double[] grid, double[][] oof) {
        int d = x[0].length;
        List<Integer> tr = new ArrayList<>();
        List<Integer> te = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            (fold[i] == f ? te : tr).add(i);
        }
        int n = tr.size();
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (int i : tr) {
            for (int j = 0; j < d; j++) {
                mean[j] += x[i][j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        for (int i : tr) {
            for (int j = 0; j < d; j++) {
                double v = x[i][j] - mean[j];
                scale[j] += v * v;
            }
        }
        for (int j = 0; j < d; j++) {
            scale[j] = Math.sqrt(scale[j] / n);
            if (scale[j] < 1e-8) {
                scale[j] = 1;
            }
        }
        double[][] ztr = standardise(x, tr, mean, scale);
        double[][] zte = standardise(x, te, mean, scale);
        double ym = 0;
        for (int i : tr) {
            ym += y[i];
        }
        ym /= n;
        double[] yc = new double[n];
        for (int r = 0; r < n; r++) {
            yc[r] = y[tr.get(r)] - ym;
        }
        double[] gram = new double[n * n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b <= a; b++) {
                double s = dot(ztr[a], ztr[b]);
                gram[a * n + b] = s;
                gram[b * n + a] = s;
            }
        }
        double[][] cross = new double[te.size()][n];
        for (int a = 0; a < te.size(); a++) {
            for (int b = 0; b < n; b++) {
                cross[a][b] = dot(zte[a], ztr[b]);
            }
        }
        for (int l = 0; l < grid.length; l++) {
            double[] m = gram.clone();
            for (int a = 0; a < n; a++) {
                m[a * n + a] += grid[l];
            }
            double[] alpha = Ridge.choleskySolve(m, yc.clone(), n);
            for (int a = 0; a < te.size(); a++) {
                oof[l][te.get(a)] = ym + dot(cross[a], alpha);
            }
        }
    }

    private static double[][] standardise(float[][] x, List<Integer> rows, double[] mean, double[] scale) {
        double[][] z = new double[rows.size()][];
        for (int r = 0; r < rows.size(); r++) {
            float[] v = x[rows.get(r)];
            double[] o = new double[v.length];
            for (int j = 0; j < v.length; j++) {
                o[j] = (v[j] - mean[j]) / scale[j];
            }
            z[r] = o;
        }
        return z;
    }

    private static double dot(double[] a, double[] b) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < a.length; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < a.length; j++) {
            s0 += a[j] * b[j];
        }
        return s0 + s1 + s2 + s3;
    }
}
