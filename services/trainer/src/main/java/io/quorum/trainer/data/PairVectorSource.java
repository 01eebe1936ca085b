package io.quorum.trainer.data;

import io.quorum.trainer.jobs.JobContext;
import io.quorum.trainer.jobs.JobFailedException;

/** Where a pair-scorer job gets its labelled vectors from (the {@code data} parameter picks one). */
public interface PairVectorSource {

    /** Whether this source reads {@code data} (e.g. {@code generated}, a file path). */
    boolean handles(String data);

    PairVectors load(String data, JobContext ctx) throws JobFailedException;
}
