package io.quorum.training.selfai;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Siamese loss of the Selfai pre-training: the hinge embedding loss on the L1 distance between two images'
 * features. A minibatch of {@code 2B} rows holds the first images of {@code B} pairs, then their second images (one
 * network run over both halves is the Siamese tower with shared weights, what DL4J's {@code StackVertex} does); the
 * label of both rows of pair {@code i} is {@code y_i = +1} (same score class) or {@code -1} (different). With
 * {@code D_i = ||f_i - f_(i+B)||_1}: {@code L_i = D_i} if {@code y_i = 1}, {@code max(0, margin - D_i)} if
 * {@code y_i = -1} (Torch's {@code HingeEmbeddingCriterion}, the post's loss).
 *
 * <p>The per-row score is {@code L_i / 2} on each row of the pair, so a minibatch's average score is half the mean pair
 * loss; the gradient is the exact gradient of {@code sum_i L_i} (DL4J divides by the minibatch size).
 */
public final class PairedHingeL1Loss extends HostLossFunction {

    private static final long serialVersionUID = 1L;

    private double margin = 1.0;

    /** For DL4J's JSON configuration. */
    public PairedHingeL1Loss() {
    }

    public PairedHingeL1Loss(double margin) {
        if (!(margin > 0)) {
            throw new IllegalArgumentException("margin must be > 0, got " + margin);
        }
        this.margin = margin;
    }

    public double getMargin() {
        return margin;
    }

    public void setMargin(double margin) {
        this.margin = margin;
    }

    /** The loss of a pair at L1 distance {@code distance} with label {@code y} (+1 same, -1 different). */
    public static double value(double distance, int y, double margin) {
        return y > 0 ? distance : Math.max(0, margin - distance);
    }

    /** The L1 distances of the {@code B} pairs in a {@code [2B, F]} row-major feature block. */
    static double[] distances(float[] f, int rows, int dims) {
        int b = half(rows);
        double[] d = new double[b];
        for (int i = 0; i < b; i++) {
            double s = 0;
            for (int j = 0; j < dims; j++) {
                s += Math.abs(f[i * dims + j] - f[(i + b) * dims + j]);
            }
            d[i] = s;
        }
        return d;
    }

    private static int half(int rows) {
        if (rows % 2 != 0) {
            throw new IllegalArgumentException("a paired minibatch has an even number of rows, got " + rows);
        }
        return rows / 2;
    }

    private static int[] labels(float[] y, int rows) {
        int b = rows / 2;
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            if (y[i] != y[i + b] || Math.abs(y[i]) != 1f) {
                throw new IllegalArgumentException("pair " + i + ": labels must be +1 or -1 on both rows, got " + y[i]
                        + " and " + y[i + b]);
            }
            out[i] = y[i] > 0 ? 1 : -1;
        }
        return out;
    }

    @Override
    void checkMask(INDArray mask) {
        if (mask != null) {
            throw new UnsupportedOperationException("masks are not supported by the paired hinge loss");
        }
    }

    @Override
    float[] scores(float[] f, float[] labels, float[] mask, int rows) {
        double[] d = distances(f, rows, f.length / rows);
        int[] y = labels(labels, rows);
        float[] score = new float[rows];
        for (int i = 0; i < d.length; i++) {
            float l = (float) (value(d[i], y[i], margin) / 2);
            score[i] = l;
            score[i + d.length] = l;
        }
        return score;
    }

    @Override
    float[] gradient(float[] f, float[] labels, float[] mask, int rows) {
        int dims = f.length / rows;
        double[] d = distances(f, rows, dims);
        int[] y = labels(labels, rows);
        int b = d.length;
        float[] g = new float[f.length];
        for (int i = 0; i < b; i++) {
            // dL/dD: 1 for a same pair, -1 for a different pair inside the margin, 0 beyond it
            double c = y[i] > 0 ? 1 : (d[i] < margin ? -1 : 0);
            if (c == 0) {
                continue;
            }
            for (int j = 0; j < dims; j++) {
                float diff = f[i * dims + j] - f[(i + b) * dims + j];
                float s = (float) (c * Math.signum(diff));
                g[i * dims + j] = s;
                g[(i + b) * dims + j] = -s;
            }
        }
        return g;
    }

    @Override
    public String name() {
        return "hinge-embedding-l1(margin=" + margin + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PairedHingeL1Loss p && p.margin == margin;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(margin);
    }
}
