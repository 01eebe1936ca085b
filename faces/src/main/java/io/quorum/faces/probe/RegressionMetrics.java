package io.quorum.faces.probe;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Score-regression metrics: PLCC (Pearson), SRCC (Spearman, average ranks for ties), MAE, RMSE.
 *
 * @param n    pairs
 * @param plcc Pearson correlation of predictions and targets
 * @param srcc Spearman rank correlation
 * @param mae  mean absolute error (target units)
 * @param rmse root mean squared error (target units)
 */
public record RegressionMetrics(int n, double plcc, double srcc, double mae, double rmse) {

    public static RegressionMetrics of(double[] predicted, double[] target) {
        if (predicted.length != target.length || predicted.length < 2) {
            throw new IllegalArgumentException("need two equal-length arrays of at least 2 values");
        }
        double mae = 0;
        double mse = 0;
        for (int i = 0; i < target.length; i++) {
            double e = predicted[i] - target[i];
            mae += Math.abs(e);
            mse += e * e;
        }
        int n = target.length;
        return new RegressionMetrics(n, pearson(predicted, target), pearson(ranks(predicted), ranks(target)), mae / n,
                Math.sqrt(mse / n));
    }

    public static double pearson(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElseThrow();
        double mb = Arrays.stream(b).average().orElseThrow();
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return saa == 0 || sbb == 0 ? 0 : sab / Math.sqrt(saa * sbb);
    }

    /** 1-based ranks, ties sharing their average rank. */
    static double[] ranks(double[] v) {
        Integer[] idx = IntStream.range(0, v.length).boxed().toArray(Integer[]::new);
        Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        int i = 0;
        while (i < idx.length) {
            int j = i;
            while (j + 1 < idx.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            double avg = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                r[idx[k]] = avg;
            }
            i = j + 1;
        }
        return r;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "{\"n\": %d, \"plcc\": %.4f, \"srcc\": %.4f, \"mae\": %.4f, \"rmse\": %.4f}",
                n, plcc, srcc, mae, rmse);
    }
}
