package io.quorum.vision.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DigitSetsTest {

    @Test
    void mnistLoadsSplitsByClassAndSurvivesAnIdxRoundTrip(@TempDir Path dir) throws Exception {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
        DigitSet mnist = DigitSets.load("mnist", io.quorum.shared.data.DataDir.root());
        assertThat(mnist.size()).isEqualTo(8000);
        assertThat(mnist.height()).isEqualTo(28);
        assertThat(mnist.classes()).hasSize(10);
        DigitSet[] parts = mnist.split(0.2, 42);
        assertThat(parts[0].size() + parts[1].size()).isEqualTo(8000);
        assertThat(parts[1].size()).isBetween(1590, 1610);
        // stratified: each class keeps its share in the held-out part
        int[] all = mnist.classCounts();
        int[] held = parts[1].classCounts();
        for (int c = 0; c < 10; c++) {
            assertThat(held[c]).isBetween((int) Math.floor(all[c] * 0.2) - 1, (int) Math.ceil(all[c] * 0.2) + 1);
        }
        assertThat(mnist.split(0.2, 42)[1].labels()).isEqualTo(parts[1].labels());
        assertThat(mnist.split(0.2, 43)[1].labels()).isNotEqualTo(parts[1].labels());

        DigitSet head = mnist.head(50);
        Path[] files = DigitSets.writeIdx(head, dir, "copy");
        DigitSet back = DigitSets.read("copy", files[0], files[1], DigitSets.DIGITS);
        assertThat(back.labels()).isEqualTo(head.labels());
        for (int i = 0; i < 50; i++) {
            assertThat(back.images()[i]).isEqualTo(head.images()[i]); // 8-bit data survives exactly
        }
        // the head of the files is the head of the set; headers that disagree are refused even for a head
        DigitSet first = DigitSets.read("copy", files[0], files[1], DigitSets.DIGITS, 7);
        assertThat(first.size()).isEqualTo(7);
        assertThat(first.labels()).isEqualTo(head.head(7).labels());
        assertThat(first.images()[6]).isEqualTo(head.images()[6]);
        Path[] shorter = DigitSets.writeIdx(mnist.head(40), dir, "shorter");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DigitSets.read("mixed", files[0], shorter[1],
                DigitSets.DIGITS, 7)).hasMessageContaining("40 labels for 50 images");
    }

    @Test
    void float32IdxKeepsAPerturbationExactlyWhereBytesRoundIt(@TempDir Path dir) throws Exception {
        float[][] images = new float[3][28 * 28];
        java.util.Random rnd = new java.util.Random(5);
        for (float[] img : images) {
            for (int j = 0; j < img.length; j++) {
                img[j] = Math.min(1f, Math.max(0f, Math.round(rnd.nextFloat() * 255) / 255f + (rnd.nextBoolean() ? 0.3f : -0.3f)));
            }
        }
        images[0][0] = 0.01875f; // one PGD step of 2.5 * 0.3 / 40: no multiple of 1/255
        DigitSet set = new DigitSet("adv", images, new int[] {7, 1, 9}, 28, 28, DigitSets.DIGITS);

        Path[] exact = DigitSets.writeIdx(set, dir, "adv", DigitSets.ImageEncoding.FLOAT32);
        assertThat(exact[0].getFileName().toString()).isEqualTo("adv-images-idx3-float.gz");
        DigitSet back = DigitSets.read("adv", exact[0], exact[1], DigitSets.DIGITS);
        assertThat(back.labels()).containsExactly(7, 1, 9);
        for (int i = 0; i < 3; i++) {
            assertThat(back.images()[i]).isEqualTo(images[i]);
        }

        Path[] bytes = DigitSets.writeIdx(set, dir, "adv8", DigitSets.ImageEncoding.UNSIGNED_BYTE);
        DigitSet rounded = DigitSets.read("adv8", bytes[0], bytes[1], DigitSets.DIGITS);
        assertThat(rounded.images()[0][0]).isEqualTo(5 / 255f).isNotEqualTo(images[0][0]);
    }

    @Test
    void aFloat32FileWithValuesOutsideTheUnitIntervalIsRefused(@TempDir Path dir) throws Exception {
        Path images = dir.resolve("bad-images.idx");
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(16 + 4 * 4);
        b.putInt(0x0D03).putInt(1).putInt(2).putInt(2).putFloat(0.5f).putFloat(Float.NaN).putFloat(0f).putFloat(1f);
        java.nio.file.Files.write(images, b.array());
        Path labels = dir.resolve("bad-labels.idx");
        java.nio.file.Files.write(labels, new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 3});
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DigitSets.read("bad", images, labels, DigitSets.DIGITS))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("image 0 pixel 1 is NaN");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DigitSets.writeIdx(new DigitSet("x",
                        new float[][] {{0.5f, 1.5f, 0f, 0f}}, new int[] {1}, 2, 2, DigitSets.DIGITS), dir, "x",
                        DigitSets.ImageEncoding.FLOAT32))
                .hasMessageContaining("outside [0, 1]");
    }
}
