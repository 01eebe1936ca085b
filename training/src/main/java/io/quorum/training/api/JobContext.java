package io.quorum.training.api;

import java.nio.file.Path;
import java.util.Map;

/** What a running job may use: its parameters, seed and directories, and the progress and cancellation channel. */
public interface JobContext {

    String jobId();

    JobParams params();

    /** The job's random seed (the request's, or the job default). */
    long seed();

    /** Where data sets live ({@code QUORUM_DATA_DIR}). */
    Path dataDir();

    /** Scratch space of this job (deleted afterwards). */
    Path workDir();

    /** Reports training progress; also the point where a cancellation takes effect. */
    void progress(int epoch, int epochs, long step, double loss, double examplesPerSecond, double etaSeconds,
                  Map<String, Double> metrics, String message);

    /** Throws {@link JobCancelledException} if the job was cancelled. */
    void checkCancelled();
}
