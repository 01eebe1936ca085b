package io.quorum.shared.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.quorum.shared.json.Json;
import java.io.IOException;

/**
 * Decodes one event type from record values, classifying every failure into a {@link RejectReason} with a
 * message fit for a dead-letter header.
 */
public final class EventCodec<T extends QuorumEvent> {

    private final Class<T> type;
    private final int maxSchemaVersion;
    private final ObjectReader reader;

    private EventCodec(Class<T> type, int maxSchemaVersion) {
        this.type = type;
        this.maxSchemaVersion = maxSchemaVersion;
        this.reader = Json.mapper().readerFor(type);
    }

    /** A codec for {@code type} that accepts schema versions up to {@code maxSchemaVersion}. */
    public static <T extends QuorumEvent> EventCodec<T> of(Class<T> type, int maxSchemaVersion) {
        return new EventCodec<>(type, maxSchemaVersion);
    }

    public byte[] encode(T event) {
        return Json.toBytes(event);
    }

    public T decode(byte[] value) throws InvalidEventException {
        if (value == null || value.length == 0) {
            throw new InvalidEventException(RejectReason.MALFORMED_JSON, "empty record value (tombstone or no payload)");
        }
        // checked before parsing: Jackson decodes some ill-formed UTF-8 (overlong forms such as C0 80) without error
        if (!isUtf8(value)) {
            throw new InvalidEventException(RejectReason.INVALID_UTF8, "record value is not valid UTF-8");
        }
        T event;
        try {
            event = reader.readValue(value);
        } catch (IOException e) {
            throw classify(e);
        }
        if (event == null) {
            throw new InvalidEventException(RejectReason.MALFORMED_JSON, "record value is JSON null");
        }
        if (event.schemaVersion() == 0) {
            throw new InvalidEventException(RejectReason.MISSING_FIELD, Checks.MISSING + "schemaVersion");
        }
        if (event.schemaVersion() < 1 || event.schemaVersion() > maxSchemaVersion) {
            throw new InvalidEventException(RejectReason.UNSUPPORTED_SCHEMA, "schemaVersion " + event.schemaVersion()
                    + " is not supported by this service (1.." + maxSchemaVersion + ")");
        }
        return event;
    }

    private InvalidEventException classify(IOException ex) {
        if (ex instanceof ValueInstantiationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String msg = cause.getMessage() == null ? cause.toString() : cause.getMessage();
            return new InvalidEventException(msg.startsWith(Checks.MISSING) ? RejectReason.MISSING_FIELD
                    : RejectReason.INVALID_VALUE, msg, e);
        }
        if (ex instanceof JsonMappingException e) {
            return new InvalidEventException(RejectReason.INVALID_VALUE, describe(e), e);
        }
        if (ex instanceof JsonProcessingException e) {
            return new InvalidEventException(RejectReason.MALFORMED_JSON, "malformed JSON: " + e.getOriginalMessage(), e);
        }
        return new InvalidEventException(RejectReason.MALFORMED_JSON, "unreadable record: " + ex.getMessage(), ex);
    }

    /** Best effort: the raw JSON tree of a value, for diagnostics. */
    public static JsonNode tree(byte[] value) {
        try {
            return Json.mapper().readTree(value);
        } catch (IOException e) {
            return null;
        }
    }

    private String describe(JsonMappingException e) {
        String path = e.getPath().isEmpty() ? "" : " at '" + pathOf(e) + "'";
        String msg = e.getOriginalMessage();
        if (msg != null && msg.contains("(through reference chain")) {
            msg = msg.substring(0, msg.indexOf("(through reference chain")).trim();
        }
        return type.getSimpleName() + ": " + msg + path;
    }

    private static String pathOf(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!sb.isEmpty()) {
                    sb.append('.');
                }
                sb.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                sb.append('[').append(ref.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * Well-formed UTF-8 as Unicode defines it (table 3-7): no overlong forms, no surrogates, nothing above U+10FFFF,
     * no truncated sequence. Allocation-free, with a fast path for ASCII, since every record passes through it.
     */
    static boolean isUtf8(byte[] value) {
        int i = 0;
        int n = value.length;
        while (i < n) {
            int b = value[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xFF;
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                if (b == 0xE0) {
                    lo = 0xA0; // overlong
                } else if (b == 0xED) {
                    hi = 0x9F; // surrogates
                }
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                if (b == 0xF0) {
                    lo = 0x90; // overlong
                } else if (b == 0xF4) {
                    hi = 0x8F; // above U+10FFFF
                }
            } else {
                return false; // C0, C1 (overlong), F5..FF, or a stray continuation byte
            }
            if (i + need >= n) {
                return false; // truncated
            }
            int second = value[i + 1] & 0xFF;
            if (second < lo || second > hi) {
                return false;
            }
            for (int k = 2; k <= need; k++) {
                int c = value[i + k] & 0xFF;
                if (c < 0x80 || c > 0xBF) {
                    return false;
                }
            }
            i += need + 1;
        }
        return true;
    }
}
