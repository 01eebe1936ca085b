package io.quorum.vision.ensemble;

import io.quorum.shared.eval.BinaryMetrics;
import java.util.Arrays;

/**
 * The adversarial detector of an ensemble: a digit is suspect when its disagreement score exceeds a threshold set on
 * clean images for a stated false-positive rate, and the score's quality is its ROC AUC between clean and adversarial
 * images.
 */
public final class Detector {

    private Detector() {
    }

    /**
     * The smallest threshold that flags at most {@code fpr} of {@code clean} scores ({@code score > threshold} flags):
     * the {@code ceil((1 - fpr) * n)}-th smallest clean score. {@code fpr} in [0, 1).
     */
    public static double threshold(double[] clean, double fpr) {
        if (clean.length == 0) {
            throw new IllegalArgumentException("no clean scores to calibrate on");
        }
        if (!(fpr >= 0 && fpr < 1)) {
            throw new IllegalArgumentException("false-positive rate must be in [0, 1), got " + fpr);
        }
        double[] s = clean.clone();
        Arrays.sort(s);
        int k = (int) Math.ceil((1 - fpr) * s.length) - 1;
        return s[Math.max(0, Math.min(s.length - 1, k))];
    }

    /** The share of {@code scores} above {@code threshold} (the flag rate). */
    public static double flagged(double[] scores, double threshold) {
        int n = 0;
        for (double s : scores) {
            n += s > threshold ? 1 : 0;
        }
        return scores.length == 0 ? Double.NaN : n / (double) scores.length;
    }

    /** ROC AUC of {@code score} telling {@code adversarial} (positives) from {@code clean} (negatives); ties count half. */
    public static double rocAuc(double[] clean, double[] adversarial) {
        double[] p = new double[clean.length + adversarial.length];
        int[] y = new int[p.length];
        System.arraycopy(clean, 0, p, 0, clean.length);
        System.arraycopy(adversarial, 0, p, clean.length, adversarial.length);
        Arrays.fill(y, clean.length, p.length, 1);
        return BinaryMetrics.auc(p, y);
    }
}
