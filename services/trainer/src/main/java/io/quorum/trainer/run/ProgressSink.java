package io.quorum.trainer.run;

import io.quorum.shared.events.TrainingProgress;

/** Where progress events go ({@code quorum.training.progress} in the service; a list in tests). */
@FunctionalInterface
public interface ProgressSink {
    void emit(TrainingProgress progress);
}
