package io.quorum.shared.events;

/** Argument checks used by event record constructors; failures surface as {@link RejectReason#MISSING_FIELD}
 * or {@link RejectReason#INVALID_VALUE} when a record is decoded. */
public final class Checks {

    static final String MISSING = "missing required field: ";

    private Checks() {
    }

    public static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(MISSING + field);
        }
        return value;
    }

    public static String requiredText(String value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(MISSING + field);
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException("field '" + field + "' is blank");
        }
        return value;
    }

    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
