package io.quorum.pairscoring.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.pairscoring.search.IndexCheckpoint.Reason;
import io.quorum.pairscoring.search.IndexCheckpoint.TopicState;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a persisted index may be resumed, and why it is rebuilt otherwise. */
class IndexCheckpointTest {

    static final long DAY = 86_400_000L;
    static final long NOW = 10 * DAY;
    final IndexCheckpoint cp = new IndexCheckpoint(IndexCheckpoint.FORMAT, "t", "id-1", Map.of(0, 100L, 1, 50L),
            Quantization.INT8, NOW - 1000);
    final TopicState topic = new TopicState("t", "id-1", Map.of(0, 0L, 1, 0L), Map.of(0, 120L, 1, 50L), DAY);

    @Test
    void roundTripsThroughCommitUserData() {
        assertThat(IndexCheckpoint.fromUserData(cp.toUserData())).isEqualTo(cp);
        Map<String, String> missing = new HashMap<>(cp.toUserData());
        missing.remove(IndexCheckpoint.KEY_TOPIC_ID);
        assertThatThrownBy(() -> IndexCheckpoint.fromUserData(missing)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(IndexCheckpoint.KEY_TOPIC_ID);
        Map<String, String> garbled = new HashMap<>(cp.toUserData());
        garbled.put(IndexCheckpoint.KEY_OFFSET_PREFIX + "0", "x");
        assertThatThrownBy(() -> IndexCheckpoint.fromUserData(garbled)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void resumesWhenTopicSettingsAndGroupAgree() {
        assertThat(cp.check(topic, Quantization.INT8, Map.of(0, 110L, 1, 50L), NOW)).isNull();
        assertThat(cp.check(topic, Quantization.INT8, Map.of(), NOW)).as("group offsets expired").isNull();
        assertThat(cp.next(0)).isEqualTo(100);
        assertThat(cp.next(7)).as("a partition added since").isZero();
    }

    @Test
    void rebuildsForEachMismatch() {
        Map<Integer, Long> group = Map.of(0, 110L, 1, 50L);
        assertThat(reason(cp, new TopicState("t", "id-2", topic.beginOffsets(), topic.endOffsets(), DAY), group))
                .isEqualTo(Reason.TOPIC_CHANGED);
        assertThat(reason(cp, new TopicState("u", "id-1", topic.beginOffsets(), topic.endOffsets(), DAY), group))
                .isEqualTo(Reason.TOPIC_CHANGED);
        assertThat(cp.check(topic, Quantization.NONE, group, NOW).reason()).isEqualTo(Reason.QUANTIZATION_CHANGED);
        assertThat(reason(cp, new TopicState("t", "id-1", topic.beginOffsets(), Map.of(0, 90L, 1, 50L), DAY), group))
                .as("beyond the log end").isEqualTo(Reason.OFFSETS_OUT_OF_RANGE);
        assertThat(reason(cp, new TopicState("t", "id-1", Map.of(0, 101L, 1, 0L), topic.endOffsets(), DAY), group))
                .as("records deleted before the index saw them").isEqualTo(Reason.OFFSETS_OUT_OF_RANGE);
        assertThat(reason(cp, new TopicState("t", "id-1", topic.beginOffsets(), Map.of(0, 120L), DAY), group))
                .as("partition gone").isEqualTo(Reason.OFFSETS_OUT_OF_RANGE);
        assertThat(reason(cp, topic, Map.of(0, 90L))).isEqualTo(Reason.GROUP_BEHIND);
        IndexCheckpoint old = new IndexCheckpoint(IndexCheckpoint.FORMAT, "t", "id-1", cp.nextOffsets(), Quantization.INT8,
                NOW - 2 * DAY);
        assertThat(reason(old, topic, group)).isEqualTo(Reason.TOMBSTONES_EXPIRED);
        IndexCheckpoint other = new IndexCheckpoint(IndexCheckpoint.FORMAT + 1, "t", "id-1", cp.nextOffsets(),
                Quantization.INT8, NOW);
        assertThat(reason(other, topic, group)).isEqualTo(Reason.NO_CHECKPOINT);
    }

    private static Reason reason(IndexCheckpoint c, TopicState t, Map<Integer, Long> group) {
        IndexCheckpoint.Rebuild r = c.check(t, Quantization.INT8, group, NOW);
        assertThat(r).isNotNull();
        assertThat(r.message()).isNotBlank();
        return r.reason();
    }
}
