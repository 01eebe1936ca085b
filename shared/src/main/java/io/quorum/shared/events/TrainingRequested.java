package io.quorum.shared.events;

import java.util.Map;

/**
 * Someone asked for a training job ({@code quorum.training.requested}, also {@code POST /jobs} and
 * {@code ./quorum train}). Keyed by {@code jobId}.
 *
 * @param jobId       unique id chosen by the requester (used to follow progress)
 * @param job         the job kind ({@code pair-scorer}, {@code mnist-classifier}, ...)
 * @param params      hyper-parameters and dataset options, as strings (each job documents its own)
 * @param seed        random seed (0 = the job's default)
 * @param requestedBy who asked (user, service, retrain trigger)
 * @param requestedAt epoch milliseconds
 */
public record TrainingRequested(int schemaVersion, String jobId, String job, Map<String, String> params, long seed,
                                String requestedBy, long requestedAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public TrainingRequested {
        Checks.requiredText(jobId, "jobId");
        Checks.requiredText(job, "job");
        params = params == null ? Map.of() : Map.copyOf(params);
    }
}
