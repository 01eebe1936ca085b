package io.quorum.shared.kafka;

import java.util.Map;

/** A record to produce. Headers are optional (UTF-8 string values). */
public record OutRecord(String topic, String key, byte[] value, Map<String, String> headers) {

    public OutRecord {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public static OutRecord of(String topic, String key, byte[] value) {
        return new OutRecord(topic, key, value, Map.of());
    }
}
