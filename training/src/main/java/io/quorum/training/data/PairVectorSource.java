package io.quorum.training.data;

import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;

/** Where a pair-scorer job gets its labelled vectors from (the {@code data} parameter picks one). */
public interface PairVectorSource {

    /** Whether this source reads {@code data} (e.g. {@code generated}, a file path). */
    boolean handles(String data);

    PairVectors load(String data, JobContext ctx) throws JobFailedException;
}
