package io.quorum.training.api;

import java.util.Map;

/**
 * A kind of training job: dataset reference + model builder + hyper-parameters + seed -> trained network, exported
 * to ONNX with its parity proven, evaluated on a validation split. The runner publishes the result and applies the
 * job's {@link Gate}. Implementations are plain classes registered in {@link JobCatalog}.
 */
public interface TrainingJob {

    /** The name requests use ({@code pair-scorer}). */
    String name();

    /** One line for {@code GET /jobs/kinds}. */
    String description();

    /** Parameter name to "default - meaning". */
    Map<String, String> parameters();

    /** The promotion gate for a model trained with {@code params}. */
    Gate gate(JobParams params) throws JobFailedException;

    /** Trains, exports and evaluates. Throws {@link JobFailedException} with a clear reason when it cannot. */
    TrainedModel run(JobContext ctx) throws JobFailedException;
}
