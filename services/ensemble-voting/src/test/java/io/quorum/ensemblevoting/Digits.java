package io.quorum.ensemblevoting;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.testing.TestData;
import io.quorum.testing.TestDigitModels;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The real data and ensembles the tests vote with: the 8,000 MNIST digits ({@code QUORUM_DATA_DIR/mnist}) split 7,000 /
 * 1,000 (seeded, stratified), and ensembles of perceptrons trained in plain Java, each member on its own third of the
 * 7,000 (a few seconds, once per JVM): members that mostly agree on clean digits and disagree on others.
 */
final class Digits {

    static final int SIDE = 28;
    private static DigitSet[] split;
    private static List<TestDigitModels.Mlp> first;
    private static List<TestDigitModels.Mlp> second;

    private Digits() {
    }

    static synchronized DigitSet[] split() {
        if (split == null) {
            TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
            try {
                split = DigitSets.load("mnist", DataDir.root()).split(0.125, 7);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return split;
    }

    /** Images the members never trained on. */
    static DigitSet test() {
        return split()[1];
    }

    /** Three members, each trained on its own third of the training digits. */
    static synchronized List<TestDigitModels.Mlp> ensemble() {
        if (first == null) {
            first = train(3, 100);
        }
        return first;
    }

    /** Three other members (other seeds and sizes): a second version. */
    static synchronized List<TestDigitModels.Mlp> other() {
        if (second == null) {
            second = train(3, 200);
        }
        return second;
    }

    private static List<TestDigitModels.Mlp> train(int n, long seed) {
        DigitSet train = split()[0];
        List<TestDigitModels.Mlp> out = new ArrayList<>();
        int part = train.size() / n;
        for (int k = 0; k < n; k++) {
            int from = k * part;
            float[][] x = Arrays.copyOfRange(train.images(), from, from + part);
            int[] y = Arrays.copyOfRange(train.labels(), from, from + part);
            out.add(TestDigitModels.train(x, y, 10, 24 + 8 * k, 2, seed + k));
        }
        return out;
    }

    /** A digit to classify, with its true label, as exact floats; {@code vote} may be null (the configured one). */
    static DigitSubmitted digit(String imageId, float[] image, Integer label, String vote) {
        return new DigitSubmitted(DigitSubmitted.SCHEMA_VERSION, imageId, DigitImage.ofFloats(SIDE, SIDE, image), label, "test",
                vote, System.currentTimeMillis());
    }

    /** The same as 8-bit pixels (what a camera app sends). */
    static DigitSubmitted pixels(String imageId, float[] image, Integer label, String vote) {
        byte[] b = new byte[image.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Math.round(image[i] * 255f);
        }
        return new DigitSubmitted(DigitSubmitted.SCHEMA_VERSION, imageId, DigitImage.ofBytes(SIDE, SIDE, b), label, "test",
                vote, System.currentTimeMillis());
    }
}
