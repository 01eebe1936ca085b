package io.quorum.training.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The job kinds a trainer can run. */
public final class JobCatalog {

    private final Map<String, TrainingJob> jobs = new LinkedHashMap<>();

    public JobCatalog(List<TrainingJob> jobs) {
        for (TrainingJob j : jobs) {
            this.jobs.put(j.name(), j);
        }
    }

    public Optional<TrainingJob> find(String name) {
        return Optional.ofNullable(jobs.get(name));
    }

    public Map<String, TrainingJob> all() {
        return jobs;
    }
}
