package io.quorum.vision.attack;

import io.quorum.vision.model.GradientClassifier;
import java.util.Random;

/**
 * A softmax regression {@code p = softmax(W x + b)} with its exact input gradient {@code W^T (p - onehot(y))}: a real
 * white-box model small enough to check attacks against by hand.
 */
final class LinearModel implements GradientClassifier {

    final float[][] w; // [classes][pixels]
    final float[] b;
    long queries;

    LinearModel(float[][] w, float[] b) {
        this.w = w;
        this.b = b;
    }

    static LinearModel random(int classes, int pixels, long seed) {
        Random r = new Random(seed);
        float[][] w = new float[classes][pixels];
        for (float[] row : w) {
            for (int j = 0; j < pixels; j++) {
                row[j] = (float) r.nextGaussian();
            }
        }
        return new LinearModel(w, new float[classes]);
    }

    @Override
    public int classes() {
        return w.length;
    }

    @Override
    public int inputSize() {
        return w[0].length;
    }

    @Override
    public float[][] probabilities(float[][] images) {
        queries += images.length;
        float[][] out = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            out[i] = softmax(images[i]);
        }
        return out;
    }

    private float[] softmax(float[] x) {
        double[] z = new double[w.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < w.length; c++) {
            double s = b[c];
            for (int j = 0; j < x.length; j++) {
                s += w[c][j] * x[j];
            }
            z[c] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int c = 0; c < z.length; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        float[] p = new float[z.length];
        for (int c = 0; c < z.length; c++) {
            p[c] = (float) (z[c] / sum);
        }
        return p;
    }

    @Override
    public float[][] lossGradient(float[][] images, int[] labels) {
        queries += images.length;
        float[][] g = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            float[] p = softmax(images[i]);
            p[labels[i]] -= 1f;
            float[] gi = new float[images[i].length];
            for (int c = 0; c < w.length; c++) {
                for (int j = 0; j < gi.length; j++) {
                    gi[j] += w[c][j] * p[c];
                }
            }
            g[i] = gi;
        }
        return g;
    }
}
