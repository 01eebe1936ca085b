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
        
    }
}
