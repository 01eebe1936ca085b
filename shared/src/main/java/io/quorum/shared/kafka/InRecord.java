package io.quorum.shared.kafka;

import java.util.Map;

/**
 * A consumed record, independent of the client that read it. {@code headers}: the record's headers as UTF-8 text (the
 * last value of a repeated key); empty for the services whose records carry everything in a JSON value. The image
 * service reads its CloudEvents binary-mode metadata ({@code ce_id}, {@code ce_source}, ...) from them.
 */
public record InRecord(String topic, int partition, long offset, String key, byte[] value, long timestamp,
                       Map<String, String> headers) {

    public InRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    /** A record without headers. */
    public InRecord(String topic, int partition, long offset, String key, byte[] value, long timestamp) {
        this(topic, partition, offset, key, value, timestamp, Map.of());
    }

    /** A header's value, or null. */
    public String header(String name) {
        return headers.get(name);
    }

    /** {@code topic-partition@offset}, for logs and dead-letter headers. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }
}
