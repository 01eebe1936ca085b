package io.quorum.training.api;

/** The job was cancelled while it ran. */
public class JobCancelledException extends RuntimeException {
    public JobCancelledException(String jobId) {
        super("job " + jobId + " was cancelled");
    }
}
