package io.quorum.pairscoring.search;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a committed index covers, stored as the Lucene commit's user data (so it is persisted atomically with the
 * documents): the topic by name and id (a recreated topic has a new id), the next offset to read per partition, the
 * quantisation it was built with, and when it was committed.
 *
 * @param format       layout of the documents and of this data ({@link #FORMAT})
 * @param topic        the topic the index was built from
 * @param topicId      the topic's Kafka id
 * @param nextOffsets  partition -> the first offset not yet in the index
 * @param quantization how the HNSW fields store their vectors
 * @param committedAt  epoch milliseconds of the commit
 */
public record IndexCheckpoint(int format, String topic, String topicId, Map<Integer, Long> nextOffsets,
                              Quantization quantization, long committedAt) {

    /** The document layout this version writes; another value means the index must be rebuilt. */
    public static final int FORMAT = 1;

    static final String KEY_FORMAT = "quorum.format";
    static final String KEY_TOPIC = "quorum.topic";
    static final String KEY_TOPIC_ID = "quorum.topic.id";
    static final String KEY_QUANTIZATION = "quorum.quantization";
    static final String KEY_COMMITTED_AT = "quorum.committed.at";
    static final String KEY_OFFSET_PREFIX = "quorum.offset.";

    public IndexCheckpoint {
        nextOffsets = Map.copyOf(nextOffsets);
    }

    /** Why an index must be rebuilt rather than resumed (the {@code reason} tag of the rebuild counter). */
    public enum Reason {
        /** no index on disk yet */
        NO_INDEX,
        /** the files cannot be opened: corrupt, truncated, unknown codec, another Lucene format */
        UNREADABLE,
        /** committed without (readable) offsets, or by another layout version */
        NO_CHECKPOINT,
        /** built from another topic, or the topic was deleted and recreated (new topic id) */
        TOPIC_CHANGED,
        /** built with another quantisation than configured */
        QUANTIZATION_CHANGED,
        /** covers offsets beyond a partition's end, or records deleted from its start it never saw */
        OFFSETS_OUT_OF_RANGE,
        /** older than the topic's delete.retention.ms: compaction may have dropped tombstones it never saw */
        TOMBSTONES_EXPIRED,
        /** covers records the consumer group has not answered (the group was reset or changed) */
        GROUP_BEHIND
    }

    /** A decision to rebuild, with its reason and a message for the log. */
    public record Rebuild(Reason reason, String message) {
    }

    /**
     * The topic as it is now: its id, each partition's first and end offsets, and how long compaction keeps
     * tombstones ({@code delete.retention.ms}).
     */
    public record TopicState(String topic, String topicId, Map<Integer, Long> beginOffsets, Map<Integer, Long> endOffsets,
                             long deleteRetentionMs) {
    }

    /** The user data of a Lucene commit. */
    public Map<String, String> toUserData() {
        Map<String, String> m = new HashMap<>();
        m.put(KEY_FORMAT, Integer.toString(format));
        m.put(KEY_TOPIC, topic);
        m.put(KEY_TOPIC_ID, topicId);
        m.put(KEY_QUANTIZATION, quantization.configName());
        m.put(KEY_COMMITTED_AT, Long.toString(committedAt));
        nextOffsets.forEach((p, o) -> m.put(KEY_OFFSET_PREFIX + p, Long.toString(o)));
        return m;
    }

    /** Reads a commit's user data; throws {@link IllegalArgumentException} when a key is missing or garbled. */
    public static IndexCheckpoint fromUserData(Map<String, String> data) {
        try {
            Map<Integer, Long> offsets = new TreeMap<>();
            data.forEach((k, v) -> {
                if (k.startsWith(KEY_OFFSET_PREFIX)) {
                    offsets.put(Integer.parseInt(k.substring(KEY_OFFSET_PREFIX.length())), Long.parseLong(v));
                }
            });
            return new IndexCheckpoint(Integer.parseInt(required(data, KEY_FORMAT)), required(data, KEY_TOPIC),
                    required(data, KEY_TOPIC_ID), offsets, Quantization.parse(required(data, KEY_QUANTIZATION)),
                    Long.parseLong(required(data, KEY_COMMITTED_AT)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("garbled index commit data: " + e.getMessage(), e);
        }
    }

    private static String required(Map<String, String> data, String key) {
        String v = data.get(key);
        if (v == null) {
            throw new IllegalArgumentException("index commit data has no " + key);
        }
        return v;
    }

    /**
     * Why this checkpoint cannot be resumed against {@code now} with {@code quantization} and the group's committed
     * offsets {@code answered} (partitions without a committed offset absent), or null when it can.
     */
    public Rebuild check(TopicState now, Quantization configured, Map<Integer, Long> answered, long nowMs) {
        if (format != FORMAT) {
            return new Rebuild(Reason.NO_CHECKPOINT, "index layout " + format + ", this version reads " + FORMAT);
        }
        if (!topic.equals(now.topic())) {
            return new Rebuild(Reason.TOPIC_CHANGED, "index of topic " + topic + ", configured " + now.topic());
        }
        if (!topicId.equals(now.topicId())) {
            return new Rebuild(Reason.TOPIC_CHANGED, "topic " + topic + " was recreated (id " + topicId + " when indexed, now "
                    + now.topicId() + ")");
        }
        if (quantization != configured) {
            return new Rebuild(Reason.QUANTIZATION_CHANGED, "index built with quantization " + quantization.configName()
                    + ", configured " + configured.configName());
        }
        for (Map.Entry<Integer, Long> e : nextOffsets.entrySet()) {
            int p = e.getKey();
            long next = e.getValue();
            Long end = now.endOffsets().get(p);
            if (end == null) {
                return new Rebuild(Reason.OFFSETS_OUT_OF_RANGE, "partition " + p + " of " + topic + " no longer exists");
            }
            if (next > end) {
                return new Rebuild(Reason.OFFSETS_OUT_OF_RANGE, "index covers partition " + p + " up to offset " + next
                        + ", beyond its end " + end + " (the log was truncated)");
            }
            long begin = now.beginOffsets().getOrDefault(p, 0L);
            if (next < begin) {
                return new Rebuild(Reason.OFFSETS_OUT_OF_RANGE, "partition " + p + " starts at offset " + begin
                        + ": records from " + next + " the index never saw were deleted");
            }
            Long group = answered.get(p);
            if (group != null && group < next) {
                return new Rebuild(Reason.GROUP_BEHIND, "index covers partition " + p + " up to offset " + next
                        + " but the group answered only up to " + group + " (group reset or changed)");
            }
        }
        long age = nowMs - committedAt;
        if (now.deleteRetentionMs() >= 0 && age > now.deleteRetentionMs()) {
            return new Rebuild(Reason.TOMBSTONES_EXPIRED, "index committed " + age / 1000 + " s ago, longer than the "
                    + "topic's delete.retention.ms (" + now.deleteRetentionMs() / 1000 + " s): compaction may have "
                    + "removed tombstones it never saw");
        }
        return null;
    }

    /** Where to start reading partition {@code p}: the first offset the index lacks (0 for a partition it never saw). */
    public long next(int p) {
        return nextOffsets.getOrDefault(p, 0L);
    }
}
