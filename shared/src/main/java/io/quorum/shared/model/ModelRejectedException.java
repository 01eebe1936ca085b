package io.quorum.shared.model;

/**
 * A model version failed a check before serving; it is refused and the previous version keeps serving. A
 * {@link #isTransient() transient} failure (the artifact could not be read yet: an I/O error, a file not yet visible
 * on a shared file system) may succeed later and is retried before the version is refused; any other (a wrong
 * SHA-256, a model that does not load or breaks the contract) is final.
 */
public class ModelRejectedException extends Exception {

    private final String check;
    private final boolean transientFailure;

    public ModelRejectedException(String check, String message) {
        this(check, message, null, false);
    }

    public ModelRejectedException(String check, String message, Throwable cause) {
        this(check, message, cause, false);
    }

    private ModelRejectedException(String check, String message, Throwable cause, boolean transientFailure) {
        super(message, cause);
        this.check = check;
        this.transientFailure = transientFailure;
    }

    /** A failure that may go away: retried with backoff before the version is refused. */
    public static ModelRejectedException transientFailure(String check, String message, Throwable cause) {
        return new ModelRejectedException(check, message, cause, true);
    }

    /** Which check failed: {@code fetch}, {@code sha256}, {@code load}, {@code signature}, {@code contract}, {@code smoke}. */
    public String check() {
        return check;
    }

    /** Whether the failure may go away (retry), rather than condemn the version (refuse at once). */
    public boolean isTransient() {
        return transientFailure;
    }
}
