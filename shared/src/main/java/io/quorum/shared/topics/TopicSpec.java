package io.quorum.shared.topics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A topic and the settings it is created with.
 *
 * @param name        topic name
 * @param partitions  partition count (data topics scale with {@code quorum.topics.partitions})
 * @param scalable    whether {@link Topics#all(int)} may raise the partition count
 * @param compacted   {@code cleanup.policy=compact} (state topics) instead of delete
 * @param retentionMs retention for delete topics, -1 for unlimited
 * @param maxMessageBytes the topic's {@code max.message.bytes} (largest record batch the broker accepts), -1 for the
 *                    broker's default (about 1 MB)
 */
public record TopicSpec(String name, int partitions, boolean scalable, boolean compacted, long retentionMs,
        int maxMessageBytes) {

    /** A topic with the broker's default record-size limit. */
    public TopicSpec(String name, int partitions, boolean scalable, boolean compacted, long retentionMs) {
        this(name, partitions, scalable, compacted, retentionMs, -1);
    }

    /** Topic-level configs for the admin client. */
    public Map<String, String> configs() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("cleanup.policy", compacted ? "compact" : "delete");
        if (!compacted) {
            c.put("retention.ms", Long.toString(retentionMs));
        } else {
            c.put("min.compaction.lag.ms", "0");
            c.put("segment.ms", Long.toString(Topics.HOUR_MS));
        }
        if (maxMessageBytes > 0) {
            c.put("max.message.bytes", Integer.toString(maxMessageBytes));
        }
        return c;
    }

    /** The same topic with another {@code max.message.bytes}. */
    public TopicSpec withMaxMessageBytes(int bytes) {
        return new TopicSpec(name, partitions, scalable, compacted, retentionMs, bytes);
    }

    public TopicSpec withPartitions(int n) {
        return new TopicSpec(name, n, scalable, compacted, retentionMs, maxMessageBytes);
    }
}
