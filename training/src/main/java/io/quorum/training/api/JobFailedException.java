package io.quorum.training.api;

/** A job cannot go on: bad parameters or data, a diverging run, an inexact export. The message is the reason shown. */
public class JobFailedException extends Exception {
    public JobFailedException(String message) {
        super(message);
    }

    public JobFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
