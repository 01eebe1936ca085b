package io.quorum.shared.events;

/** A record that cannot be processed, with the reason it will carry to the dead-letter topic. */
public class InvalidEventException extends Exception {

    private final RejectReason reason;

    public InvalidEventException(RejectReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public InvalidEventException(RejectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
