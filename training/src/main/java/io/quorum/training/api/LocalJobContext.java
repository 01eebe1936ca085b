package io.quorum.training.api;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** A job context for running jobs in process (evaluations, ablations, tests): progress goes to a callback. */
public final class LocalJobContext implements JobContext {

    private final String jobId;
    private final JobParams params;
    private final long seed;
    private final Path dataDir;
    private final Path work;
    private final Consumer<String> log;
    private final List<String> progress = new ArrayList<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();

    public LocalJobContext(String jobId, Map<String, String> params, long seed, Path dataDir, Path work, Consumer<String> log) {
        this.jobId = jobId;
        this.params = new JobParams(params);
        this.seed = seed;
        this.dataDir = dataDir;
        this.work = work;
        this.log = log;
    }

    @Override
    public String jobId() {
        return jobId;
    }

    @Override
    public JobParams params() {
        return params;
    }

    @Override
    public long seed() {
        return seed;
    }

    @Override
    public Path dataDir() {
        return dataDir;
    }

    @Override
    public Path workDir() {
        return work;
    }

    @Override
    public void progress(int epoch, int epochs, long step, double loss, double rate, double eta, Map<String, Double> metrics,
                         String message) {
        checkCancelled();
        String line = (epochs > 0 ? "epoch " + epoch + "/" + epochs + " " : "")
                + (Double.isNaN(loss) ? "" : String.format("loss %.4f ", loss))
                + (metrics == null || metrics.isEmpty() ? "" : metrics + " ") + (message == null ? "" : message);
        progress.add(line);
        log.accept(line);
    }

    /** Everything reported so far. */
    public List<String> progress() {
        return progress;
    }

    public void cancel() {
        cancelled.set(true);
    }

    @Override
    public void checkCancelled() {
        if (cancelled.get()) {
            throw new JobCancelledException(jobId);
        }
    }
}
