package io.quorum.trainer.service;

import io.quorum.trainer.run.ProgressDelivery;
import io.quorum.trainer.run.RequestLimits;
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

    /**
     * Data directory of the research data sets; empty means QUORUM_DATA_DIR or ../shared/data. A request's {@code data}
     * (and vectors file) must lie inside it ({@code generated} and {@code labeled} name no file).
     */
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

    /** Shape limits of training requests, from {@code POST /jobs} and {@code quorum.training.requested} alike. */
    Limits limits();

    /** Delivery of progress events to {@code quorum.training.progress}. */
    Progress progress();

    /** Request limits: an HTTP request breaking one is answered 400 (413 for the size), a Kafka one dead-lettered. */
    interface Limits {
        /** Largest request in bytes: the HTTP body ({@code quarkus.http.limits.max-body-size} follows it), the record value. */
        @WithDefault("65536")
        int maxRequestBytes();

        /** Most parameters of one request. */
        @WithDefault("64")
        int maxParams();

        /** Longest parameter name. */
        @WithDefault("128")
        int maxKeyLength();

        /** Longest parameter value. */
        @WithDefault("4096")
        int maxValueLength();

        /** {@code Retry-After} of a {@code 429} answered when the queue is full. */
        @WithDefault("30s")
        Duration retryAfter();

        default RequestLimits requestLimits() {
            return new RequestLimits(maxRequestBytes(), maxParams(), maxKeyLength(), maxValueLength());
        }
    }

    /** Progress delivery: sends are awaited and retried; terminal events are never dropped, intermediate ones may be. */
    interface Progress {
        /** Longest wait for the acknowledgement of an intermediate event (terminal ones are waited for in such slices). */
        @WithDefault("10s")
        Duration sendTimeout();

        /** Wait after the first failed send of an event; doubles per failure. */
        @WithDefault("200ms")
        Duration initialBackoff();

        /** Longest wait between two sends of one event. */
        @WithDefault("10s")
        Duration maxBackoff();

        /** How long a terminal event is retried before it is given up (ERROR log, quorum_training_progress_failed_total). */
        @WithDefault("10m")
        Duration giveUpAfter();

        /** Sends of an intermediate event (RUNNING...) before it is dropped. */
        @WithDefault("3")
        int intermediateAttempts();

        /** Intermediate events waiting at most (one per job is kept, the newest); beyond, the oldest is dropped. */
        @WithDefault("1000")
        int maxPending();

        /** How long shutdown waits for queued events. */
        @WithDefault("30s")
        Duration closeTimeout();

        default ProgressDelivery.Settings settings() {
            return new ProgressDelivery.Settings(sendTimeout(), initialBackoff(), maxBackoff(), giveUpAfter(),
                    intermediateAttempts(), maxPending(), closeTimeout());
        }
    }

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
