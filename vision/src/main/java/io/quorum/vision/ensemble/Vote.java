package io.quorum.vision.ensemble;

import java.util.Arrays;
import java.util.Locale;

/**
 * How an ensemble's members decide a class, all from the same member probabilities {@code [M][C]} (one image):
 *
 * <ul>
 *   <li>{@link #MEAN}: the class of the members' mean probabilities; confidence: its mean probability.</li>
 *   <li>{@link #MAX}: the single most confident member decides (the seed's "max ensemble": its largest probability is
 *       the largest of all members'); confidence: that member's probability.</li>
 *   <li>{@link #MAJORITY}: the class most members predict, ties broken by the mean probability; confidence: the share
 *       of members predicting it.</li>
 * </ul>
 *
 * {@link #distribution} gives the distribution a vote answers with as a classifier (what attacks and reports see):
 * the mean; the deciding member's probabilities; the vote shares blended with a thousandth of the mean (so its argmax
 * is the vote, ties broken by the mean, for fewer than 1,000 members).
 */
public enum Vote {
    MEAN, MAX, MAJORITY;

    /** A vote's decision: the class and its confidence (see the constants). */
    public record Decision(int label, double confidence) {
    }

    /** The name records and configuration use ({@code mean}, {@code max}, {@code majority}). */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The vote called {@code name} (case-insensitive); throws {@link IllegalArgumentException} naming the known ones. */
    public static Vote parse(String name) {
        if (name != null) {
            for (Vote v : values()) {
                if (v.wire().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown vote '" + name + "': mean, max or majority");
    }

    /** The decision on one image's member probabilities {@code [M][C]}. */
    public Decision decide(float[][] members) {
        return switch (this) {
            case MEAN -> {
                float[] mean = mean(members);
                int c = argmax(mean);
                yield new Decision(c, mean[c]);
            }
            case MAX -> {
                int m = mostConfident(members);
                int c = argmax(members[m]);
                yield new Decision(c, members[m][c]);
            }
            case MAJORITY -> {
                int[] votes = votes(members);
                float[] mean = mean(members);
                int best = 0;
                for (int c = 1; c < votes.length; c++) {
                    if (votes[c] > votes[best] || votes[c] == votes[best] && mean[c] > mean[best]) {
                        best = c;
                    }
                }
                yield new Decision(best, votes[best] / (double) members.length);
            }
        };
    }

    /** The distribution this vote answers with for one image (its argmax is {@link #decide}'s class). */
    public float[] distribution(float[][] members) {
        return switch (this) {
            case MEAN -> mean(members);
            case MAX -> members[mostConfident(members)].clone();
            case MAJORITY -> {
                int[] votes = votes(members);
                float[] mean = mean(members);
                float[] out = new float[mean.length];
                for (int c = 0; c < out.length; c++) {
                    out[c] = 0.999f * votes[c] / members.length + 0.001f * mean[c];
                }
                yield out;
            }
        };
    }

    /** The members' mean probabilities. */
    public static float[] mean(float[][] members) {
        float[] mean = new float[members[0].length];
        for (float[] m : members) {
            for (int c = 0; c < mean.length; c++) {
                mean[c] += m[c];
            }
        }
        for (int c = 0; c < mean.length; c++) {
            mean[c] /= members.length;
        }
        return mean;
    }

    /** The member with the largest single probability (the first such when several tie). */
    public static int mostConfident(float[][] members) {
        int best = 0;
        float top = Float.NEGATIVE_INFINITY;
        for (int m = 0; m < members.length; m++) {
            for (float p : members[m]) {
                if (p > top) {
                    top = p;
                    best = m;
                }
            }
        }
        return best;
    }

    /** How many members predict each class. */
    public static int[] votes(float[][] members) {
        int[] votes = new int[members[0].length];
        for (float[] m : members) {
            votes[argmax(m)]++;
        }
        return votes;
    }

    /** Each member's most probable class. */
    public static int[] memberPredictions(float[][] members) {
        return Arrays.stream(members).mapToInt(Vote::argmax).toArray();
    }

    static int argmax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
