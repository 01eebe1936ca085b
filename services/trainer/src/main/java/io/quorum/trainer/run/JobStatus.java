package io.quorum.trainer.run;

import io.quorum.shared.events.TrainingProgress;
import java.util.Map;

/** What {@code GET /jobs} shows for one job. */
public record JobStatus(String jobId, String job, Map<String, String> params, TrainingProgress.State state,
                        TrainingProgress latest, long submittedAt, Long finishedAt) {
}
