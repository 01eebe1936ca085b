package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;

/**
 * Scores adversarial images on a target: per image its perturbation size, the target's prediction and confidence
 * before and after, and success; overall the accuracy before and after, the success rate and the mean size.
 * Untargeted success: the prediction on the adversarial is not the label (images the target already got wrong count
 * as successes, as every robustness figure here counts accuracy on the adversarial set). Targeted: the target class is
 * predicted.
 */
public final class AttackReport {

    /** One image's result. */
    public record Item(double linf, double l2, int predictionBefore, double confidenceBefore, int predictionAfter,
                       double confidenceAfter, boolean success, long queries) {
    }

    private final Item[] items;
    private final int[] labels;

    private AttackReport(Item[] items, int[] labels) {
        this.items = items;
        this.labels = labels;
    }

    /**
     * Scores {@code outcome} (made from {@code clean} with {@code labels}, or from noise when {@code clean} is null) on
     * {@code target}. {@code targetClass} is -1 for untargeted attacks.
     */
    public static AttackReport score(Classifier target, float[][] clean, int[] labels, Outcome outcome, int targetClass,
                                     double confidence) {
        return score(target, clean, labels, outcome, targetClass, null, confidence);
    }

    /**
     * Scores fooling images ({@code outcome} made from noise) on {@code target}: image {@code i} succeeds when class
     * {@code targets[i]} is predicted with probability at least {@code confidence} ({@link FoolingImages#targets}).
     */
    public static AttackReport scoreFooling(Classifier target, Outcome outcome, int[] targets, double confidence) {
        return score(target, null, null, outcome, -1, targets, confidence);
    }

    private static AttackReport score(Classifier target, float[][] clean, int[] labels, Outcome outcome, int targetClass,
                                      int[] targets, double confidence) {
        float[][] adv = outcome.adversarial();
        float[][] known = outcome.cleanProbabilitiesOn(target);
        float[][] before = clean == null ? null : known != null ? known : target.probabilities(clean);
        float[][] after = target.probabilities(adv);
        int[] pa = Classifier.argmax(after);
        int[] pb = before == null ? null : Classifier.argmax(before);
        Item[] items = new Item[adv.length];
        for (int i = 0; i < adv.length; i++) {
            boolean success;
            if (clean == null) {
                int t = targets != null ? targets[i] : targetClass;
                success = t >= 0 && pa[i] == t && after[i][t] >= confidence;
            } else if (targetClass >= 0) {
                success = pa[i] == targetClass;
            } else {
                success = pa[i] != labels[i];
            }
            items[i] = new Item(clean == null ? Double.NaN : Perturbation.linf(clean[i], adv[i]),
                    clean == null ? Double.NaN : Perturbation.l2(clean[i], adv[i]),
                    pb == null ? -1 : pb[i], pb == null ? Double.NaN : before[i][pb[i]], pa[i], after[i][pa[i]], success,
                    outcome.queries()[i]);
        }
        return new AttackReport(items, labels);
    }

    public Item item(int i) {
        return items[i];
    }

    public int size() {
        return items.length;
    }

    public int successes() {
        int s = 0;
        for (Item it : items) {
            s += it.success() ? 1 : 0;
        }
        return s;
    }

    public double successRate() {
        return items.length == 0 ? Double.NaN : successes() / (double) items.length;
    }

    /** Accuracy on the clean images (NaN without labels or clean images). */
    public double accuracyBefore() {
        if (labels == null || items.length == 0 || items[0].predictionBefore() < 0) {
            return Double.NaN;
        }
        int ok = 0;
        for (int i = 0; i < items.length; i++) {
            ok += items[i].predictionBefore() == labels[i] ? 1 : 0;
        }
        return ok / (double) items.length;
    }

    /** Accuracy on the adversarial images (NaN without labels). */
    public double accuracyAfter() {
        if (labels == null || items.length == 0) {
            return Double.NaN;
        }
        int ok = 0;
        for (int i = 0; i < items.length; i++) {
            ok += items[i].predictionAfter() == labels[i] ? 1 : 0;
        }
        return ok / (double) items.length;
    }

    public double meanLinf() {
        return java.util.Arrays.stream(items).mapToDouble(Item::linf).average().orElse(Double.NaN);
    }

    public double meanL2() {
        return java.util.Arrays.stream(items).mapToDouble(Item::l2).average().orElse(Double.NaN);
    }

    public double meanQueries() {
        return java.util.Arrays.stream(items).mapToLong(Item::queries).average().orElse(Double.NaN);
    }

    /** Mean queries of the successful images (black-box attacks report queries per success). */
    public double meanQueriesPerSuccess() {
        return java.util.Arrays.stream(items).filter(Item::success).mapToLong(Item::queries).average().orElse(Double.NaN);
    }
}
