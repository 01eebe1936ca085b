package io.quorum.training.export;

/** A network cannot be exported (an unsupported layer, vertex, activation or setting), or its export is not exact. */
public class ExportException extends RuntimeException {
    public ExportException(String message) {
        super(message);
    }
}
