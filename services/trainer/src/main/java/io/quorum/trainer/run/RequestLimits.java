package io.quorum.trainer.run;

import io.quorum.shared.events.RejectReason;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Shape limits of a training request, the same for {@code POST /jobs} (answered 400, or 413 for the body size) and
 * {@code quorum.training.requested} (dead-lettered with the reason code): the size of the request, the number of
 * parameters, the length of parameter names and values, and the form of the job id and job name. Whether the job
 * exists, whether its data may be read and whether the queue has room are decided by {@link JobRunner}.
 *
 * @param maxRequestBytes largest serialized request (HTTP body, Kafka record value)
 * @param maxParams       most parameters
 * @param maxKeyLength    longest parameter name
 * @param maxValueLength  longest parameter value (and {@code requestedBy})
 */
public record RequestLimits(int maxRequestBytes, int maxParams, int maxKeyLength, int maxValueLength) {

    /** What a job id (and a job name) must look like: it names files, metrics and Kafka keys. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    /** 64 KiB, 64 parameters, names up to 128 and values up to 4,096 characters. */
    public static RequestLimits defaults() {
        return new RequestLimits(64 * 1024, 64, 128, 4096);
    }

    /**
     * A broken limit.
     *
     * @param field   what broke it: {@code size}, {@code job}, {@code jobId}, {@code requestedBy} or {@code params}
     * @param reason  the dead-letter reason code
     * @param message the message shown
     */
    public record Violation(String field, RejectReason reason, String message) {
    }

    /** A violation when {@code bytes} (the serialized request) is larger than allowed. */
    public Optional<Violation> checkSize(long bytes) {
        return bytes > maxRequestBytes
                ? Optional.of(new Violation("size", RejectReason.LIMIT_EXCEEDED, "the request has " + bytes + " bytes; at most "
                + maxRequestBytes + " are accepted"))
                : Optional.empty();
    }

    /** The first violation of the request's fields (any may be null: a missing one is reported), or empty. */
    public Optional<Violation> check(String jobId, String job, Map<String, String> params, String requestedBy) {
        if (job == null || job.isBlank()) {
            return invalid("job", RejectReason.MISSING_FIELD, "the request must name a job");
        }
        if (!ID.matcher(job).matches()) {
            return invalid("job", RejectReason.INVALID_VALUE, "job '" + clip(job) + "' is not a job name (" + ID.pattern() + ")");
        }
        if (jobId == null || jobId.isBlank()) {
            return invalid("jobId", RejectReason.MISSING_FIELD, "the request must have a jobId");
        }
        if (!ID.matcher(jobId).matches()) {
            return invalid("jobId", RejectReason.INVALID_VALUE, "jobId '" + clip(jobId) + "' must match " + ID.pattern());
        }
        if (requestedBy != null && requestedBy.length() > maxValueLength) {
            return invalid("requestedBy", RejectReason.LIMIT_EXCEEDED, "requestedBy has " + requestedBy.length() + " characters; at most "
                    + maxValueLength);
        }
        if (params == null) {
            return Optional.empty();
        }
        if (params.size() > maxParams) {
            return invalid("params", RejectReason.LIMIT_EXCEEDED, params.size() + " parameters; at most " + maxParams + " are accepted");
        }
        for (Map.Entry<String, String> e : params.entrySet()) {
            String k = e.getKey();
            if (k == null || k.isBlank()) {
                return invalid("params", RejectReason.INVALID_VALUE, "a parameter has an empty name");
            }
            if (k.length() > maxKeyLength) {
                return invalid("params", RejectReason.LIMIT_EXCEEDED, "parameter name '" + clip(k) + "' has " + k.length()
                        + " characters; at most " + maxKeyLength);
            }
            if (e.getValue() == null) {
                return invalid("params", RejectReason.INVALID_VALUE, "parameter '" + k + "' has no value");
            }
            if (e.getValue().length() > maxValueLength) {
                return invalid("params", RejectReason.LIMIT_EXCEEDED, "parameter '" + k + "' has a value of " + e.getValue().length()
                        + " characters; at most " + maxValueLength);
            }
        }
        return Optional.empty();
    }

    private static Optional<Violation> invalid(String field, RejectReason reason, String message) {
        return Optional.of(new Violation(field, reason, message));
    }

    /** At most 64 characters of {@code s}, for messages. */
    private static String clip(String s) {
        return s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
