package io.quorum.shared.events;

import java.util.Map;

/**
 * Progress and outcome of a training job ({@code quorum.training.progress}). Keyed by {@code jobId}; the last event
 * of a job has a terminal {@link State}.
 *
 * @param state             where the job is
 * @param epoch             current epoch (1-based), 0 before training
 * @param epochs            planned epochs
 * @param step              iterations done
 * @param loss              latest training loss (NaN when unknown)
 * @param examplesPerSecond training throughput
 * @param etaSeconds        estimated seconds left (-1 when unknown)
 * @param metrics           validation metrics so far
 * @param message           human-readable detail; the reason when failed or not promoted
 * @param model             model name when one was published
 * @param modelVersion      version published (0 when none)
 * @param promoted          whether the published version became champion
 */
public record TrainingProgress(int schemaVersion, String jobId, String job, State state, int epoch, int epochs, long step,
                               double loss, double examplesPerSecond, double etaSeconds, Map<String, Double> metrics,
                               String message, String model, int modelVersion, boolean promoted, long at)
        implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    /** Job states; the last four are terminal. */
    public enum State {
        QUEUED, RUNNING, EXPORTING, EVALUATING, PUBLISHED, FAILED, CANCELLED, REJECTED;

        public boolean terminal() {
            return this == PUBLISHED || this == FAILED || this == CANCELLED || this == REJECTED;
        }
    }

    public TrainingProgress {
        Checks.requiredText(jobId, "jobId");
        Checks.required(state, "state");
        metrics = metrics == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metrics));
    }
}
