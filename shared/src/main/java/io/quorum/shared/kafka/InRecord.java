package io.quorum.shared.kafka;

/** A consumed record, independent of the client that read it. */
public record InRecord(String topic, int partition, long offset, String key, byte[] value, long timestamp) {

    /** {@code topic-partition@offset}, for logs and dead-letter headers. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
