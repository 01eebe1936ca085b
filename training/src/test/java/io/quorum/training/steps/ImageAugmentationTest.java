package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.testing.TestData;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.util.Random;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** Augmentation moves images as it says, stays in [0, 1] and keeps what class an image looks like. */
class ImageAugmentationTest {

    private static float[] pattern(int h, int w) {
        float[] img = new float[h * w];
        img[2 * w + 3] = 1f; // one bright pixel at row 2, column 3
        img[5 * w + 1] = 0.5f;
        return img;
    }

    @Test
    void theIdentityShiftsAndRotationsMovePixelsWhereTheySay() {
        float[] img = pattern(8, 8);
        assertThat(ImageAugmentation.transform(img, 8, 8, 0, 0, 0, 1)).containsExactly(img);
        float[] shifted = ImageAugmentation.transform(img, 8, 8, 2, 1, 0, 1);
        assertThat(shifted[3 * 8 + 5]).isEqualTo(1f);
        assertThat(shifted[6 * 8 + 3]).isEqualTo(0.5f);
        assertThat(shifted[2 * 8 + 3]).isEqualTo(0f);
        // a quarter turn (clockwise on screen: y points down) about the centre (3.5, 3.5): (r, c) -> (c, 7 - r)
        float[] turned = ImageAugmentation.transform(img, 8, 8, 0, 0, Math.PI / 2, 1);
        assertThat(turned[3 * 8 + 5]).isCloseTo(1f, Offset.offset(1e-5f));
        assertThat(turned[1 * 8 + 2]).isCloseTo(0.5f, Offset.offset(1e-5f));
        // half a pixel to the right: bilinear, half the intensity on either side
        float[] half = ImageAugmentation.transform(img, 8, 8, 0.5, 0, 0, 1);
        assertThat(half[2 * 8 + 3]).isCloseTo(0.5f, Offset.offset(1e-6f));
        assertThat(half[2 * 8 + 4]).isCloseTo(0.5f, Offset.offset(1e-6f));
    }

    @Test
    void realDigitsStayInTheUnitIntervalKeepTheirClassAndDrawsAreSeeded() throws Exception {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
        DigitSet all = DigitSets.load("mnist", io.quorum.shared.data.DataDir.root());
        DigitSet reference = all.head(3000);
        DigitSet probe = all.select(java.util.stream.IntStream.range(3000, 3300).toArray(), "probe");
        float[][] augmented = ImageAugmentation.DEFAULT.apply(probe.images(), 28, 28, new Random(5));
        assertThat(ImageAugmentation.DEFAULT.apply(probe.images(), 28, 28, new Random(5))).isEqualTo(augmented);
        int changed = 0;
        for (int i = 0; i < augmented.length; i++) {
            for (float v : augmented[i]) {
                assertThat(v).isBetween(0f, 1f);
            }
            changed += java.util.Arrays.equals(augmented[i], probe.images()[i]) ? 0 : 1;
        }
        assertThat(changed).isEqualTo(augmented.length);
        // the label is kept because the class is: a nearest-neighbour classifier on clean digits recognises the
        // augmented digits almost as well as the clean ones
        double clean = nearestNeighbour(reference, probe.images(), probe.labels());
        double moved = nearestNeighbour(reference, augmented, probe.labels());
        assertThat(clean).isGreaterThan(0.85);
        assertThat(moved).as("1-NN accuracy on augmented digits (clean %.3f)", clean).isGreaterThan(clean - 0.15);
    }

    /** Accuracy of 1-nearest-neighbour (on blurred pixels, which tolerates small shifts) from {@code reference}. */
    private static double nearestNeighbour(DigitSet reference, float[][] images, int[] labels) {
        float[][] ref = new float[reference.size()][];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = blur(reference.images()[i]);
        }
        int ok = 0;
        for (int i = 0; i < images.length; i++) {
            float[] q = blur(images[i]);
            double best = Double.MAX_VALUE;
            int label = -1;
            for (int r = 0; r < ref.length; r++) {
                double d = 0;
                for (int j = 0; j < q.length && d < best; j++) {
                    double e = q[j] - ref[r][j];
                    d += e * e;
                }
                if (d < best) {
                    best = d;
                    label = reference.labels()[r];
                }
            }
            ok += label == labels[i] ? 1 : 0;
        }
        return ok / (double) images.length;
    }

    private static float[] blur(float[] img) {
        float[] out = new float[img.length];
        for (int r = 0; r < 28; r++) {
            for (int c = 0; c < 28; c++) {
                float s = 0;
                for (int dr = -2; dr <= 2; dr++) {
                    for (int dc = -2; dc <= 2; dc++) {
                        int rr = r + dr;
                        int cc = c + dc;
                        if (rr >= 0 && rr < 28 && cc >= 0 && cc < 28) {
                            s += img[rr * 28 + cc];
                        }
                    }
                }
                out[r * 28 + c] = s / 25f;
            }
        }
        return out;
    }
}
