package io.quorum.trainer.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Settings of the trainer ({@code quorum.trainer.*}). */
@ConfigMapping(prefix = "quorum.trainer")
public interface TrainerConfig {

    /** Scratch space for running jobs (each job's folder is deleted when it ends). */
    @WithDefault("runtime/trainer/work")
    String workDir();

    /** Data directory of the research data sets; empty means QUORUM_DATA_DIR or ../shared/data. */
    Optional<String> dataDir();

    /** Most jobs waiting in the queue; further requests are refused with a reason. */
    @WithDefault("16")
    int queueCapacity();

    /** Largest |DL4J - ONNX Runtime| difference a published export may have. */
    @WithDefault("1e-4")
    double parityTolerance();

    /** Code version written into model cards and lineage. */
    @WithDefault("${quarkus.application.version:dev}")
    String codeVersion();

    /** Retraining from labelled pairs ({@code quorum.pairs.labeled}). */
    Retrain retrain();

    /** Retrain settings. */
    interface Retrain {
        /** Where labelled pairs are kept (JSON lines, append-only). */
        @WithDefault("runtime/trainer/labeled-pairs.jsonl")
        String store();

        /** Start a retrain after this many new labelled pairs; 0 turns the count trigger off. */
        @WithDefault("0")
        int afterLabels();

        /** Start a retrain this often when new labels arrived; 0 turns the schedule off. */
        @WithDefault("0s")
        Duration every();

        /** The jobs a retrain runs, comma-separated: the Siamese scorer (duplicate search) and the pair aligner (pairs). */
        @WithDefault("pair-scorer,pair-aligner")
        List<String> job();

        /** Parameters of retrain jobs, each job given those it declares (the labelled store is added as the data). */
        Map<String, String> params();
    }
}
