package io.quorum.trainer.run;

import io.quorum.shared.events.TrainingRequested;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Starts a retrain on the collected labelled pairs after {@code afterLabels} new ones, and/or every {@code every}
 * when new labels arrived since the last retrain: one job per configured kind (the Siamese scorer and the pair
 * aligner by default), each given the configured parameters it declares.
 */
public final class RetrainTrigger implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RetrainTrigger.class);

    private final int afterLabels;
    private final List<String> jobs;
    private final Map<String, String> params;
    private final Function<String, Set<String>> declared;
    private final Consumer<TrainingRequested> submit;
    private final ScheduledExecutorService scheduler;
    private long sinceLast;

    /**
     * @param declared the parameter names a job kind accepts (others of {@code params} are not passed to it)
     */
    public RetrainTrigger(int afterLabels, Duration every, List<String> jobs, Map<String, String> params,
                          Function<String, Set<String>> declared, Consumer<TrainingRequested> submit) {
        this.afterLabels = afterLabels;
        this.jobs = List.copyOf(jobs);
        this.params = new LinkedHashMap<>(params);
        this.declared = declared;
        this.submit = submit;
        if (!every.isZero() && !every.isNegative()) {
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "quorum-retrain-schedule");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleAtFixedRate(() -> fire("schedule"), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            scheduler = null;
        }
    }

    /** One more labelled pair was stored. */
    public synchronized void labeled() {
        sinceLast++;
        if (afterLabels > 0 && sinceLast >= afterLabels) {
            fire(afterLabels + " new labels");
        }
    }

    public synchronized long sinceLastRetrain() {
        return sinceLast;
    }

    private synchronized void fire(String why) {
        if (sinceLast == 0) {
            return;
        }
        long labels = sinceLast;
        sinceLast = 0;
        for (String job : jobs) {
            Set<String> accepted = declared.apply(job);
            Map<String, String> p = new LinkedHashMap<>();
            params.forEach((k, v) -> {
                if (accepted.contains(k)) {
                    p.put(k, v);
                }
            });
            p.put("data", "labeled");
            String id = "retrain-" + UUID.randomUUID().toString().substring(0, 8);
            LOG.infof("retraining %s on %d new labelled pairs (%s) as job %s", job, labels, why, id);
            submit.accept(new TrainingRequested(TrainingRequested.SCHEMA_VERSION, id, job, p, 0, "retrain: " + why,
                    System.currentTimeMillis()));
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
