package io.quorum.shared.model;

/** A model version failed a check before serving; it is refused and the previous version keeps serving. */
public class ModelRejectedException extends Exception {

    private final String check;

    public ModelRejectedException(String check, String message) {
        super(message);
        this.check = check;
    }

    public ModelRejectedException(String check, String message, Throwable cause) {
        super(message, cause);
        this.check = check;
    }

    /** Which check failed: {@code fetch}, {@code sha256}, {@code load}, {@code signature}, {@code contract}, {@code smoke}. */
    public String check() {
        return check;
    }
}
