package io.quorum.trainer.service;

import io.quorum.trainer.jobs.PairScorerJob;
import io.quorum.trainer.jobs.TrainingJob;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** The job kinds this trainer offers. */
@ApplicationScoped
public class Jobs {

    public List<TrainingJob> all() {
        return List.of(new PairScorerJob(List.of()));
    }
}
