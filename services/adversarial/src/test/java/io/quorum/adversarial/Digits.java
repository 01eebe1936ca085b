package io.quorum.adversarial;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.testing.TestData;
import io.quorum.testing.TestDigitModels;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The real data and models the tests attack: the 8,000 MNIST digits ({@code QUORUM_DATA_DIR/mnist}), split 7,000 /
 * 1,000 (seeded, stratified), and a perceptron trained on the 7,000 in plain Java (~0.9 accuracy on the other 1,000;
 * a few seconds, once per JVM).
 */
final class Digits {

    static final int SIDE = 28;
    private static DigitSet[] split;
    private static TestDigitModels.Mlp trained;
    private static TestDigitModels.Mlp other;

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

    /** Images the models never trained on. */
    static DigitSet test() {
        return split()[1];
    }

    /** The perceptron every test attacks (64 hidden units, 3 epochs). */
    static synchronized TestDigitModels.Mlp trained() {
        if (trained == null) {
            DigitSet train = split()[0];
            trained = TestDigitModels.train(train.images(), train.labels(), 10, 64, 3, 11);
        }
        return trained;
    }

    /** A second, independently trained perceptron (transfer source). */
    static synchronized TestDigitModels.Mlp other() {
        if (other == null) {
            DigitSet train = split()[0];
            other = TestDigitModels.train(train.images(), train.labels(), 10, 32, 2, 23);
        }
        return other;
    }

    /** A request to attack one image. */
    static AttackRequested image(String requestId, String model, String follow, String attack, Map<String, String> params,
                                 float[] image, int label, boolean redTeam) {
        return new AttackRequested(AttackRequested.SCHEMA_VERSION, requestId, model, follow, attack, params,
                DigitImage.ofFloats(SIDE, SIDE, image), label, null, null, redTeam, "test", System.currentTimeMillis());
    }

    /** A request to attack a data set. */
    static AttackRequested dataset(String requestId, String model, String attack, Map<String, String> params, String dataset,
                                   boolean redTeam) {
        return new AttackRequested(AttackRequested.SCHEMA_VERSION, requestId, model, null, attack, params, null, null,
                dataset, null, redTeam, "test", System.currentTimeMillis());
    }
}
