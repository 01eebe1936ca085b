package io.quorum.trainer.jobs;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A job context for unit tests: records progress, can be cancelled. */
final class TestContext implements JobContext {

    final List<String> progress = new ArrayList<>();
    final AtomicBoolean cancelled = new AtomicBoolean();
    private final JobParams params;
    private final long seed;
    private final Path work;

    TestContext(Map<String, String> params, long seed, Path work) {
        this.params = new JobParams(params);
        this.seed = seed;
        this.work = work;
    }

    @Override
    public String jobId() {
        return "test-job";
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
        return io.quorum.shared.data.DataDir.root();
    }

    @Override
    public Path workDir() {
        return work;
    }

    @Override
    public void progress(int epoch, int epochs, long step, double loss, double rate, double eta, Map<String, Double> metrics,
                         String message) {
        checkCancelled();
        progress.add(epoch + "/" + epochs + " loss=" + loss + " " + metrics + (message == null ? "" : " " + message));
    }

    @Override
    public void checkCancelled() {
        if (cancelled.get()) {
            throw new JobCancelledException(jobId());
        }
    }
}
