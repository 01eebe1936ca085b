package io.quorum.shared.eval;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary classification metrics from probabilities and 0/1 labels: accuracy, precision, recall and F1 at a
 * threshold, log loss, ROC AUC (rank statistic, ties averaged), and the accuracy-maximising threshold.
 */
public final class BinaryMetrics {

    /** Metric names, as keys of {@link #compute}'s result (and of the metrics a model version is published with). */
    public static final String N = "n";
    public static final String ACCURACY = "accuracy";
    public static final String PRECISION = "precision";
    public static final String RECALL = "recall";
    public static final String F1 = "f1";
    public static final String LOGLOSS = "logloss";
    public static final String AUC = "auc";
    public static final String THRESHOLD = "threshold";

    private BinaryMetrics() {
    }

    /** Metrics at {@code threshold}, in a stable order: n, accuracy, precision, recall, f1, logloss, auc, threshold. */
    public static Map<String, Double> compute(double[] p, int[] y, double threshold) {
        double[] t = new double[p.length];
        java.util.Arrays.fill(t, threshold);
        Map<String, Double> m = compute(p, y, t);
        m.put(THRESHOLD, threshold);
        return m;
    }

    /**
     * As {@link #compute(double[], int[], double)}, each prediction with its own threshold: the decisions of several
     * served model versions, each calibrated apart. The result has no {@code threshold} entry.
     */
    public static Map<String, Double> compute(double[] p, int[] y, double[] thresholds) {
        int n = p.length;
        int tp = 0;
        int fp = 0;
        int tn = 0;
        int fn = 0;
        double logLoss = 0;
        for (int i = 0; i < n; i++) {
            boolean pred = p[i] >= thresholds[i];
            if (pred && y[i] == 1) {
                tp++;
            } else if (pred) {
                fp++;
            } else if (y[i] == 1) {
                fn++;
            } else {
                tn++;
            }
            double q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]));
            logLoss -= y[i] == 1 ? Math.log(q) : Math.log(1 - q);
        }
        double precision = tp + fp == 0 ? 0 : (double) tp / (tp + fp);
        double recall = tp + fn == 0 ? 0 : (double) tp / (tp + fn);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(N, (double) n);
        m.put(ACCURACY, n == 0 ? 0 : (double) (tp + tn) / n);
        m.put(PRECISION, precision);
        m.put(RECALL, recall);
        m.put(F1, precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall));
        m.put(LOGLOSS, n == 0 ? 0 : logLoss / n);
        m.put(AUC, auc(p, y));
        return m;
    }

    /** ROC AUC as the Mann-Whitney statistic, ties counted half. */
    public static double auc(double[] p, int[] y) {
        int n = p.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(p[a], p[b]));
        double rankSumPos = 0;
        int pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && p[idx[j + 1]] == p[idx[i]]) {
                j++;
            }
            double avgRank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                if (y[idx[k]] == 1) {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        int neg = n - pos;
        if (pos == 0 || neg == 0) {
            return 0.5;
        }
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    /** The threshold in (0, 1) that maximises accuracy on ({@code p}, {@code y}); ties resolved toward 0.5. */
    public static double bestThreshold(double[] p, int[] y) {
        int n = p.length;
        Integer[] idx = new Integer[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (a, b) -> Double.compare(p[a], p[b]));
        int positives = 0;
        for (int v : y) {
            positives += v;
        }
        // threshold below everything: all predicted positive
        int correct = positives;
        int best = correct;
        double bestT = p.length == 0 ? 0.5 : Math.max(1e-6, p[idx[0]] / 2);
        double bestDist = Math.abs(bestT - 0.5);
        for (int k = 0; k < n; k++) {
            correct += y[idx[k]] == 1 ? -1 : 1;
            if (k + 1 < n && p[idx[k + 1]] == p[idx[k]]) {
                continue;
            }
            double t = k + 1 < n ? (p[idx[k]] + p[idx[k + 1]]) / 2 : Math.min(1 - 1e-6, (p[idx[k]] + 1) / 2);
            double dist = Math.abs(t - 0.5);
            if (correct > best || (correct == best && dist < bestDist)) {
                best = correct;
                bestT = t;
                bestDist = dist;
            }
        }
        return bestT;
    }
}
