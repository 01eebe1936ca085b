package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the GloVe/word2vec text formats, and removing the table's mean vector. */
class WordVectorsTest {

    @TempDir
    Path dir;

    @Test
    void readsGloveAndWord2vecTextWithItsHeaderAndRejectsRaggedLines() throws IOException {
        Path glove = Files.writeString(dir.resolve("g.txt"), "car 1 2 3\nbus 4 5 6\n");
        Path w2v = Files.writeString(dir.resolve("w.txt"), "2 3\ncar 1 2 3\nbus 4 5 6\n");
        for (Path f : new Path[] {glove, w2v}) {
            WordVectors wv = WordVectors.read(f);
            assertThat(wv.dimension()).isEqualTo(3);
            assertThat(wv.size()).isEqualTo(2);
            assertThat(wv.get("bus")).containsExactly(4f, 5f, 6f);
        }
        Path ragged = Files.writeString(dir.resolve("r.txt"), "car 1 2 3\nbus 4 5\n");
        assertThatThrownBy(() -> WordVectors.read(ragged)).hasMessageContaining(":2: 2 values, expected 3");
    }

    @Test
    void centeringRemovesTheCommonDirectionAndKeepsTheDifferences() {
        // three words sharing a large common component (what averaged contextual vectors look like)
        WordVectors wv = new WordVectors(Map.of("car", new float[] {10, 1, 0}, "automobile", new float[] {10, 1.2f, 0.1f},
                "banana", new float[] {10, -1, 1}), 3);
        WordVectors c = wv.centered();

        assertThat(c.size()).isEqualTo(3);
        assertThat(c.dimension()).isEqualTo(3);
        for (int d = 0; d < 3; d++) {
            double sum = c.get("car")[d] + c.get("automobile")[d] + c.get("banana")[d];
            assertThat(sum).isCloseTo(0, within(1e-5));
            // differences between words are unchanged
            assertThat(c.get("car")[d] - c.get("banana")[d]).isCloseTo(wv.get("car")[d] - wv.get("banana")[d], within(1e-5f));
        }
        // before, every pair looks alike by cosine; after, car is close to automobile and far from banana
        assertThat(ContextualWordVectorsTest.cosine(wv.get("car"), wv.get("banana"))).isGreaterThan(0.97);
        assertThat(ContextualWordVectorsTest.cosine(c.get("car"), c.get("automobile"))).isGreaterThan(0.5);
        assertThat(ContextualWordVectorsTest.cosine(c.get("car"), c.get("banana"))).isLessThan(0);
        // the original table is untouched
        assertThat(wv.get("car")).containsExactly(10f, 1f, 0f);
    }
}
