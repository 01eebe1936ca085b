package io.quorum.pairscoring.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.pairscoring.search.IndexCheckpoint.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a persisted index: resumed when its checkpoint holds, otherwise deleted and started empty, saying why. */
class IndexStoreTest {

    final IndexCheckpoint.TopicState topic = new IndexCheckpoint.TopicState("t", "id-1", Map.of(0, 0L), Map.of(0, 10L),
            86_400_000L);

    private void write(Path dir, Map<String, String> userData) {
        Random r = new Random(1);
        try (QuestionIndex index = QuestionIndex.open(dir, Quantization.INT8, 16)) {
            for (int i = 0; i < 10; i++) {
                index.add("e", "q" + i, "t", QuestionIndexTest.random(r));
            }
            index.commit(userData);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private IndexStore.Opened open(Path dir) {
        return IndexStore.open(dir, Quantization.INT8, 16, topic, Map.of(0, 10L), System.currentTimeMillis());
    }

    @Test
    void resumesAValidIndex(@TempDir Path dir) {
        write(dir, new IndexCheckpoint(IndexCheckpoint.FORMAT, "t", "id-1", Map.of(0, 10L), Quantization.INT8,
                System.currentTimeMillis()).toUserData());
        IndexStore.Opened o = open(dir);
        try (QuestionIndex index = o.index()) {
            assertThat(o.rebuild()).isNull();
            assertThat(o.checkpoint().next(0)).isEqualTo(10);
            assertThat(index.size()).isEqualTo(10);
        }
    }

    @Test
    void rebuildsWithoutCheckpointAndWhenAbsent(@TempDir Path dir) {
        IndexStore.Opened none = open(dir.resolve("absent"));
        none.index().close();
        assertThat(none.rebuild().reason()).isEqualTo(Reason.NO_INDEX);

        write(dir, Map.of("something", "else"));
        IndexStore.Opened o = open(dir);
        try (QuestionIndex index = o.index()) {
            assertThat(o.rebuild().reason()).isEqualTo(Reason.NO_CHECKPOINT);
            assertThat(index.size()).isZero();
        }
    }

    @Test
    void rebuildsACorruptIndex(@TempDir Path dir) throws Exception {
        write(dir, new IndexCheckpoint(IndexCheckpoint.FORMAT, "t", "id-1", Map.of(0, 10L), Quantization.INT8,
                System.currentTimeMillis()).toUserData());
        List<Path> segments;
        try (Stream<Path> s = Files.list(dir)) {
            segments = s.filter(p -> p.getFileName().toString().startsWith("segments_")).toList();
        }
        assertThat(segments).hasSize(1);
        byte[] bytes = Files.readAllBytes(segments.get(0));
        bytes[bytes.length / 2] ^= 0x5a; // flip bits: the commit's checksum no longer matches
        Files.write(segments.get(0), bytes);

        IndexStore.Opened o = open(dir);
        try (QuestionIndex index = o.index()) {
            assertThat(o.rebuild().reason()).isEqualTo(Reason.UNREADABLE);
            assertThat(o.rebuild().message()).contains("cannot be opened");
            assertThat(index.size()).isZero();
        }
    }

    @Test
    void neverDeletesAnIndexAnotherProcessHolds(@TempDir Path dir) {
        write(dir, new IndexCheckpoint(IndexCheckpoint.FORMAT, "t", "id-1", Map.of(0, 10L), Quantization.INT8,
                System.currentTimeMillis()).toUserData());
        try (QuestionIndex holder = QuestionIndex.open(dir, Quantization.INT8, 16)) {
            assertThatThrownBy(() -> open(dir)).isInstanceOf(IllegalStateException.class).hasMessageContaining("locked");
            assertThat(holder.size()).isEqualTo(10);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void keepsTheIndexInMemoryWithoutADirectory() {
        IndexStore.Opened o = IndexStore.open(null, Quantization.NONE, 16, topic, Map.of(), 0);
        try (QuestionIndex index = o.index()) {
            assertThat(o.rebuild().reason()).isEqualTo(Reason.NO_INDEX);
            assertThat(index.path()).isNull();
        }
    }
}
