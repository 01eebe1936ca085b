package io.quorum.vision.ensemble;

/**
 * How much an ensemble's members disagree on one image ({@code [M][C]} member probabilities).
 *
 * <ul>
 *   <li>{@link #mutualInformation}: {@code H(mean) - mean_m H(p_m)} in nats, the information the choice of member
 *       carries about the class (the "BALD" / Jensen-Shannon score of deep-ensemble uncertainty): 0 when every member
 *       gives the same distribution, at most {@code log min(M, C)}; it grows both when members predict different
 *       classes and when confident members contradict each other. The detector's score.</li>
 *   <li>{@link #agreement}: the share of members whose own prediction is a given class.</li>
 * </ul>
 */
public final class Disagreement {

    private Disagreement() {
    }

    /** {@code H(mean) - mean_m H(p_m)}, nats, never negative. */
    public static double mutualInformation(float[][] members) {
        float[] mean = Vote.mean(members);
        double inner = 0;
        for (float[] m : members) {
            inner += entropy(m);
        }
        return Math.max(0, entropy(mean) - inner / members.length);
    }

    /** Shannon entropy in nats ({@code 0 log 0 = 0}). */
    public static double entropy(float[] p) {
        double h = 0;
        for (float v : p) {
            if (v > 0) {
                h -= v * Math.log(v);
            }
        }
        return h;
    }

    /** The share of members whose most probable class is {@code label}. */
    public static double agreement(float[][] members, int label) {
        int n = 0;
        for (float[] m : members) {
            n += Vote.argmax(m) == label ? 1 : 0;
        }
        return n / (double) members.length;
    }

    /** The score of each image ({@code [N][M][C]}). */
    public static double[] mutualInformation(float[][][] members) {
        double[] out = new double[members.length];
        for (int i = 0; i < members.length; i++) {
            out[i] = mutualInformation(members[i]);
        }
        return out;
    }
}
