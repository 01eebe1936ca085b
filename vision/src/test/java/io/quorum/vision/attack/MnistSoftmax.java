package io.quorum.vision.attack;

import io.quorum.shared.data.DataDir;
import io.quorum.testing.TestData;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A softmax regression trained on real MNIST digits (full-batch gradient descent on the first 2,000 of the 8,000): a
 * real model (about 0.9 accuracy on held-out digits) with an exact input gradient, small enough for unit tests.
 */
final class MnistSoftmax {

    private static DigitSet data;
    private static LinearModel model;

    private MnistSoftmax() {
    }

    static synchronized DigitSet data() {
        if (data == null) {
            TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
            try {
                data = DigitSets.load("mnist", DataDir.root());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return data;
    }

    /** Images 6,000.. of the set: never trained on. */
    static DigitSet heldOut(int n) {
        DigitSet all = data();
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = 6000 + i;
        }
        return all.select(rows, "mnist[6000:" + (6000 + n) + "]");
    }

    static synchronized LinearModel model() {
        if (model == null) {
            DigitSet d = data();
            int n = 2000;
            int pixels = d.pixels();
            int classes = d.classes().size();
            float[][] w = new float[classes][pixels];
            float[] b = new float[classes];
            LinearModel m = new LinearModel(w, b);
            double lr = 0.5;
            for (int epoch = 0; epoch < 60; epoch++) {
                double[][] gw = new double[classes][pixels];
                double[] gb = new double[classes];
                float[][] p = m.probabilities(java.util.Arrays.copyOf(d.images(), n));
                for (int i = 0; i < n; i++) {
                    float[] x = d.images()[i];
                    for (int c = 0; c < classes; c++) {
                        double g = p[i][c] - (d.labels()[i] == c ? 1 : 0);
                        gb[c] += g;
                        for (int j = 0; j < pixels; j++) {
                            gw[c][j] += g * x[j];
                        }
                    }
                }
                for (int c = 0; c < classes; c++) {
                    b[c] -= (float) (lr * gb[c] / n);
                    for (int j = 0; j < pixels; j++) {
                        w[c][j] -= (float) (lr * gw[c][j] / n);
                    }
                }
            }
            m.queries = 0;
            model = m;
        }
        return model;
    }
}
