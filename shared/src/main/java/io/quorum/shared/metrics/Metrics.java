package io.quorum.shared.metrics;

/**
 * Every Quorum metric name, from one prefix. Names are Micrometer names; the Prometheus registry renders them
 * in snake case with base-unit suffixes, given in each comment.
 */
public final class Metrics {

    private Metrics() {
    }

    /** Prometheus: {@code quorum_inference_seconds} (histogram). Tags: model, version. One observation per batch. */
    public static final String INFERENCE = "quorum.inference";

    /** Prometheus: {@code quorum_batch_size_records} (histogram). Tags: model. Records per inference call. */
    public static final String BATCH_SIZE = "quorum.batch.size";

    /** Prometheus: {@code quorum_records_processed_total}. Tags: topic, outcome (ok|dead_lettered). */
    public static final String RECORDS_PROCESSED = "quorum.records.processed";

    /** Prometheus: {@code quorum_records_dead_lettered_total}. Tags: topic, reason. */
    public static final String RECORDS_DEAD_LETTERED = "quorum.records.dead.lettered";

    /** Prometheus: {@code quorum_model_serving_version}. Tags: model. The version now serving (0 = none). */
    public static final String MODEL_SERVING_VERSION = "quorum.model.serving.version";

    /**
     * Prometheus: {@code quorum_model_required}. Tags: model. 1 when the service cannot work without the model (its
     * readiness waits for it), 0 for an optional one (an extra embedder, a model loaded on demand for a request): the
     * alerts on {@link #MODEL_SERVING_VERSION} join on it, so an optional model that is missing does not page.
     */
    public static final String MODEL_REQUIRED = "quorum.model.required";

    /** Prometheus: {@code quorum_model_loads_total}. Tags: model, outcome (loaded|refused). */
    public static final String MODEL_LOADS = "quorum.model.loads";

    /**
     * Prometheus: {@code quorum_model_fetch_retries_total}. Tags: model. Transient artifact fetch failures (I/O error,
     * artifact not yet visible) retried with backoff while the last good version keeps serving.
     */
    public static final String MODEL_FETCH_RETRIES = "quorum.model.fetch.retries";

    /** Prometheus: {@code quorum_model_load_seconds}. Tags: model. Fetch + verify + smoke test time. */
    public static final String MODEL_LOAD = "quorum.model.load";

    /** Prometheus: {@code quorum_inference_device_info} (always 1). Tags: requested, device. */
    public static final String INFERENCE_DEVICE_INFO = "quorum.inference.device.info";

    /** Prometheus: {@code quorum_end_to_end_seconds} (histogram). Tags: topic. Input record timestamp to output send. */
    public static final String END_TO_END = "quorum.end.to.end";

    /**
     * Prometheus: {@code quorum_batch_wait_seconds} (histogram). Tags: topic. The oldest input record's timestamp to the
     * start of its batch's processing: producer linger, broker, fetch and the connector's queue (a latency stage).
     */
    public static final String BATCH_WAIT = "quorum.batch.wait";

    /**
     * Prometheus: {@code quorum_output_ack_seconds} (histogram). Tags: topic. A batch's outputs and dead letters handed
     * to the producer until the broker acknowledged all of them (a latency stage; offsets commit after it).
     */
    public static final String OUTPUT_ACK = "quorum.output.ack";

    /** Prometheus: {@code quorum_embedder_tokens_total}. Tags: embedder. Tokens embedded (served versions summed). */
    public static final String EMBEDDER_TOKENS = "quorum.embedder.tokens";

    /** Prometheus: {@code quorum_embedder_oov_tokens_total}. Tags: embedder. Tokens without a vector. */
    public static final String EMBEDDER_OOV_TOKENS = "quorum.embedder.oov.tokens";

    /** Prometheus: {@code quorum_embedder_oov_texts_total}. Tags: embedder. Texts with no known token at all. */
    public static final String EMBEDDER_OOV_TEXTS = "quorum.embedder.oov.texts";

    /** Prometheus: {@code quorum_duplicates_indexed}. Questions in the duplicate-search index. */
    public static final String DUPLICATES_INDEXED = "quorum.duplicates.indexed";

    /** Prometheus: {@code quorum_duplicates_answered_total}. New questions answered on {@code quorum.duplicates.found}. */
    public static final String DUPLICATES_ANSWERED = "quorum.duplicates.answered";

    /**
     * Prometheus: {@code quorum_duplicates_search_seconds} (histogram, and quantiles 0.5 and 0.99). One new question
     * searched in the index and its candidates re-scored by the pair model.
     */
    public static final String DUPLICATES_SEARCH = "quorum.duplicates.search";

    /** Prometheus: {@code quorum_duplicates_index_size_bytes}. Files of the duplicate-search index on disk. */
    public static final String DUPLICATES_INDEX_SIZE = "quorum.duplicates.index.size";

    /**
     * Prometheus: {@code quorum_duplicates_replay_seconds}. How long the last start of duplicate search took from
     * opening the index to ready (the tail after a persisted index, or a full rebuild).
     */
    public static final String DUPLICATES_REPLAY = "quorum.duplicates.replay";

    /** Prometheus: {@code quorum_duplicates_replayed_records}. Records read by the last start before it was ready. */
    public static final String DUPLICATES_REPLAYED = "quorum.duplicates.replayed";

    /**
     * Prometheus: {@code quorum_duplicates_index_rebuilds_total}. Tags: reason (NO_INDEX, UNREADABLE, TOPIC_CHANGED,
     * ...). Starts that rebuilt the index from the beginning of the topic instead of replaying its tail.
     */
    public static final String DUPLICATES_REBUILDS = "quorum.duplicates.index.rebuilds";

    /** Prometheus: {@code quorum_duplicates_deleted_total}. Questions removed from the index by a tombstone. */
    public static final String DUPLICATES_DELETED = "quorum.duplicates.deleted";

    /** Prometheus: {@code quorum_training_jobs_total}. Tags: outcome (published|failed|cancelled). Jobs ended. */
    public static final String TRAINING_JOBS = "quorum.training.jobs";

    /** Prometheus: {@code quorum_training_job_seconds} (timer). Wall time of training jobs. */
    public static final String TRAINING_JOB = "quorum.training.job";

    /** Prometheus: {@code quorum_training_queue}. Jobs waiting to run. */
    public static final String TRAINING_QUEUE = "quorum.training.queue";

    /**
     * Prometheus: {@code quorum_training_progress_failed_total}. Tags: state. Terminal progress events (PUBLISHED,
     * FAILED, CANCELLED) that could not be sent to {@code quorum.training.progress} even after every retry: alert on it.
     */
    public static final String TRAINING_PROGRESS_FAILED = "quorum.training.progress.failed";

    /**
     * Prometheus: {@code quorum_training_progress_dropped_total}. Intermediate progress events (QUEUED, RUNNING, ...)
     * not sent: replaced by a newer one of the same job while waiting, or given up after failed sends.
     */
    public static final String TRAINING_PROGRESS_DROPPED = "quorum.training.progress.dropped";

    /** Prometheus: {@code quorum_training_progress_retries_total}. Progress sends that failed and were retried. */
    public static final String TRAINING_PROGRESS_RETRIES = "quorum.training.progress.retries";

    /** Prometheus: {@code quorum_attacks_total}. Tags: attack, model. Attack requests answered (complete or stopped early). */
    public static final String ATTACKS = "quorum.attacks";

    /** Prometheus: {@code quorum_attack_images_total}. Tags: attack, model. Images attacked (adversarials made). */
    public static final String ATTACK_IMAGES = "quorum.attack.images";

    /** Prometheus: {@code quorum_attack_successes_total}. Tags: attack, model. Adversarials that fooled the target. */
    public static final String ATTACK_SUCCESSES = "quorum.attack.successes";

    /**
     * Prometheus: {@code quorum_attack_queries_total}. Tags: attack, model. Model evaluations spent crafting
     * (gradient or probability calls, per image); queries per success = this rate over the successes' rate.
     */
    public static final String ATTACK_QUERIES = "quorum.attack.queries";

    /**
     * Prometheus: {@code quorum_attack_success_ratio}. Tags: attack, model, version. Successes among the most recent
     * attacked images of that target version (a sliding window): the live robustness of a served classifier.
     */
    public static final String ATTACK_SUCCESS_RATIO = "quorum.attack.success.ratio";

    /** Prometheus: {@code quorum_attack_seconds} (histogram). Tags: attack, model. Crafting time per attack call (one batch). */
    public static final String ATTACK_TIME = "quorum.attack";

    /** Prometheus: {@code quorum_adversarial_datasets_total}. Tags: attack. Adversarial data sets stored. */
    public static final String ADVERSARIAL_DATASETS = "quorum.adversarial.datasets";

    /**
     * Prometheus: {@code quorum_ensemble_votes_total}. Tags: model, version, vote (mean|max|majority). Digits classified
     * by an ensemble, by the vote that decided them.
     */
    public static final String ENSEMBLE_VOTES = "quorum.ensemble.votes";

    /**
     * Prometheus: {@code quorum_ensemble_disagreement_nats} (histogram). Tags: model, version. The members' disagreement
     * per classified digit: the mutual information between the vote and the member, {@code H(mean) - mean(H(member))}.
     */
    public static final String ENSEMBLE_DISAGREEMENT = "quorum.ensemble.disagreement";

    /**
     * Prometheus: {@code quorum_ensemble_flags_total}. Tags: model, version. Digits flagged as suspected adversarials
     * (disagreement above the version's calibrated threshold) and published to {@code quorum.digits.suspicious}.
     */
    public static final String ENSEMBLE_FLAGS = "quorum.ensemble.flags";

    /**
     * Prometheus: {@code quorum_consumer_group_lag} (records). Tags: group, topic, partition. Measured from the broker
     * side by the lag exporter ({@code quorum-cli lag-exporter}): the partition's log-end offset minus the group's
     * committed offset, so a dead or stuck consumer shows as rising lag (its own client metrics stop with it).
     */
    public static final String CONSUMER_GROUP_LAG = "quorum.consumer.group.lag";

    /**
     * Prometheus: {@code quorum_consumer_group_committed_offset}. Tags: group, topic, partition. The group's committed
     * offset (lag exporter); its rate is the group's consumption rate as the broker sees it.
     */
    public static final String CONSUMER_GROUP_COMMITTED_OFFSET = "quorum.consumer.group.committed.offset";

    /** Prometheus: {@code quorum_consumer_group_members}. Tags: group. Members of the group now (0 = nobody consumes). */
    public static final String CONSUMER_GROUP_MEMBERS = "quorum.consumer.group.members";

    /**
     * Prometheus: {@code quorum_lag_exporter_refreshes_total}. Tags: outcome (ok|failed). Reads of the groups' offsets
     * by the lag exporter; while they fail the lag series keep their last values.
     */
    public static final String LAG_EXPORTER_REFRESHES = "quorum.lag.exporter.refreshes";

    // tag keys
    public static final String TAG_MODEL = "model";
    public static final String TAG_VERSION = "version";
    public static final String TAG_TOPIC = "topic";
    public static final String TAG_REASON = "reason";
    public static final String TAG_OUTCOME = "outcome";
    public static final String TAG_EMBEDDER = "embedder";
    public static final String TAG_STATE = "state";
    public static final String TAG_ATTACK = "attack";
    public static final String TAG_VOTE = "vote";
    public static final String TAG_POLICY = "policy";
    public static final String TAG_STAGE = "stage";
    public static final String TAG_GROUP = "group";
    public static final String TAG_PARTITION = "partition";

    /** Prometheus: {@code quorum_images_scored_total}. Tags: policy (largest|already-aligned). Photos scored. */
    public static final String IMAGES_SCORED = "quorum.images.scored";

    /** Prometheus: {@code quorum_images_faces_found_faces} (histogram; base unit faces). Faces the detector found per photo. */
    public static final String IMAGES_FACES_FOUND = "quorum.images.faces.found";

    /** Prometheus: {@code quorum_images_stage_seconds} (histogram). Tags: stage (prepare|score|explain). */
    public static final String IMAGES_STAGE = "quorum.images.stage";
}
