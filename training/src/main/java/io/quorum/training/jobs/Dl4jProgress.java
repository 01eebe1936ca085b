package io.quorum.training.jobs;

import io.quorum.training.api.JobContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * DL4J listener: reports loss and throughput to the job context about once a second, takes cancellations, and
 * stops a diverging run (NaN or infinite loss) with a clear reason.
 */
public final class Dl4jProgress extends BaseTrainingListener {

    /** Raised from inside DL4J's fit loop when the loss diverges. */
    public static final class DivergedException extends RuntimeException {
        public DivergedException(String message) {
            super(message);
        }
    }

    private final JobContext ctx;
    private final int epochs;
    private final long stepsPerEpoch;
    private final int batchSize;
    private long step;
    private int epoch = 1;
    private long lastReport = System.nanoTime();
    private final long start = System.nanoTime();
    private double lastLoss = Double.NaN;

    public Dl4jProgress(JobContext ctx, int epochs, long stepsPerEpoch, int batchSize) {
        this.ctx = ctx;
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
        this.batchSize = batchSize;
    }

    public void epoch(int e) {
        this.epoch = e;
    }

    public double lastLoss() {
        return lastLoss;
    }

    public long step() {
        return step;
    }

    @Override
    public void iterationDone(Model model, int iteration, int ep) {
        step++;
        double loss = model.score();
        lastLoss = loss;
        if (!Double.isFinite(loss)) {
            throw new DivergedException("training diverged: loss became " + loss + " at step " + step + " (epoch " + epoch
                    + "); lower the learning rate");
        }
        ctx.checkCancelled();
        long now = System.nanoTime();
        if (now - lastReport > 1_000_000_000L) {
            lastReport = now;
            double seconds = (now - start) / 1e9;
            double rate = step * batchSize / seconds;
            long total = stepsPerEpoch * epochs;
            double eta = total > step ? (total - step) * seconds / step : 0;
            ctx.progress(epoch, epochs, step, loss, rate, eta, null, null);
        }
    }

    public double examplesPerSecond() {
        double seconds = (System.nanoTime() - start) / 1e9;
        return seconds <= 0 ? 0 : step * batchSize / seconds;
    }

    public double etaSeconds() {
        double seconds = (System.nanoTime() - start) / 1e9;
        long total = stepsPerEpoch * epochs;
        return step == 0 ? -1 : Math.max(0, (total - step) * seconds / step);
    }
}
