package io.quorum.shared.events;

import java.util.Locale;

/**
 * How a vector-carrying event travels in a Kafka record ({@link VectorCodec}): {@link #JSON}, the whole event as a JSON
 * value (vectors as base64 inside it, the compatible default), or {@link #BINARY}, the vectors as raw little-endian
 * float32 in the value and every other field in CloudEvents binary-content-mode headers ({@link VectorHeaders}).
 */
public enum ContentMode {
    /** The event as JSON in the record value ({@code content-type: application/json}). */
    JSON,
    /** Raw little-endian float32 in the value ({@link VectorHeaders#CONTENT_TYPE_F32}), metadata in headers. */
    BINARY;

    /** {@code json} or {@code binary}, case-insensitive. */
    public static ContentMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown content mode '" + text + "': json or binary");
        }
    }

    /** The lower-case name used in configuration. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
