package io.quorum.shared.topics;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Owns every Quorum topic name and its settings. Names follow {@code quorum.<domain>.<event>}; every
 * consumed topic has a dead-letter topic {@code <topic>.dlq}. Services, tools and tests use these constants,
 * never string literals.
 */
public final class Topics {

    static final long HOUR_MS = 3_600_000L;
    static final long DAY_MS = 24 * HOUR_MS;

    /** Suffix of dead-letter topics. */
    public static final String DLQ_SUFFIX = ".dlq";

    /** Prefix of the throw-away topics benchmarks create and delete ({@code quorum.bench.<run>.<name>}). */
    public static final String BENCH_PREFIX = "quorum.bench.";

    /** Model versions and alias moves (compacted, one partition so the fold order is total). */
    public static final String MODELS = "quorum.models";

    /** {@code QuestionPosted}: questions from upstream apps. */
    public static final String QUESTIONS = "quorum.questions";
    /** {@code QuestionEmbedded}: one vector per question (compacted by question id: the duplicate-search corpus). */
    public static final String QUESTIONS_EMBEDDED = "quorum.questions.embedded";
    /** {@code PairSubmitted}: question pairs from upstream apps. */
    public static final String PAIRS = "quorum.pairs";
    /** {@code PairEmbedded}: both questions of a pair as vectors. */
    public static final String PAIRS_EMBEDDED = "quorum.pairs.embedded";
    /** {@code PairScored}: duplicate probability and decision per pair. */
    public static final String PAIRS_SCORED = "quorum.pairs.scored";
    /** {@code PairLabeled}: human-labelled pairs, training data for retraining. */
    public static final String PAIRS_LABELED = "quorum.pairs.labeled";
    /** {@code DuplicatesFound}: known questions that duplicate a new question. */
    public static final String DUPLICATES_FOUND = "quorum.duplicates.found";
    /** {@code TrainingRequested}: training jobs to run. */
    public static final String TRAINING_REQUESTED = "quorum.training.requested";
    /** {@code TrainingProgress}: progress and outcome of training jobs. */
    public static final String TRAINING_PROGRESS = "quorum.training.progress";

    /** {@code DigitSubmitted}: digit images to classify, from upstream apps and the adversarial service's red team. */
    public static final String DIGITS = "quorum.digits";
    /** {@code AttackRequested}: attacks to run against a model. */
    public static final String ATTACKS_REQUESTED = "quorum.attacks.requested";
    /** {@code AdversarialGenerated} per image and {@code AttackCompleted} per request. */
    public static final String ATTACKS_GENERATED = "quorum.attacks.generated";
    /** {@code DigitClassified}: the ensemble's vote, agreement and disagreement per digit image (keyed by image id). */
    public static final String DIGITS_CLASSIFIED = "quorum.digits.classified";
    /**
     * {@code DigitSuspected}: the digits whose ensemble members disagree beyond the calibrated threshold (suspected
     * adversarials), with the image, for review and retraining (keyed by image id).
     */
    public static final String DIGITS_SUSPICIOUS = "quorum.digits.suspicious";

    /**
     * Photos to score: the raw JPEG/PNG bytes as the record value, CloudEvents Kafka binary mode ({@code ce_id},
     * {@code ce_type}, {@code ce_source}, {@code ce_specversion}, {@code content-type} headers), keyed by image id.
     */
    public static final String IMAGES = "quorum.images";
    /** {@code ImageScored}: one score per accepted photo (keyed by image id). */
    public static final String IMAGES_SCORED = "quorum.images.scored";
    /**
     * Occlusion-sensitivity explanations: the PNG heat-map overlay as the raw record value, its metadata in headers
     * ({@code ce_id} image id, {@code quorum_model_version}, {@code quorum_patch}, {@code quorum_stride},
     * {@code quorum_max_change}, ...), keyed by image id.
     */
    public static final String IMAGES_EXPLAINED = "quorum.images.explained";
    /**
     * {@code max.message.bytes} of the photo topics ({@link #IMAGES}, its dead-letter topic, {@link #IMAGES_EXPLAINED}):
     * 16 MiB, above the image-scoring service's record limit ({@code quorum.image-scoring.max-record-bytes}, 10 MiB by
     * default, which must stay below this), so a camera photo reaches the service and one over the service's limit is
     * dead-lettered {@code LIMIT_EXCEEDED} (unchanged) instead of being refused by the broker.
     */
    public static final int IMAGES_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

    private static final List<TopicSpec> BASE = List.of(
            new TopicSpec(MODELS, 1, false, true, -1),
            new TopicSpec(QUESTIONS, 3, true, false, 7 * DAY_MS),
            new TopicSpec(QUESTIONS_EMBEDDED, 3, true, true, -1),
            new TopicSpec(PAIRS, 3, true, false, 7 * DAY_MS),
            new TopicSpec(PAIRS_EMBEDDED, 3, true, false, 7 * DAY_MS),
            new TopicSpec(PAIRS_SCORED, 3, true, false, 7 * DAY_MS),
            new TopicSpec(PAIRS_LABELED, 1, false, false, -1),
            new TopicSpec(DUPLICATES_FOUND, 3, true, false, 7 * DAY_MS),
            new TopicSpec(TRAINING_REQUESTED, 1, false, false, 7 * DAY_MS),
            new TopicSpec(TRAINING_PROGRESS, 1, false, false, 7 * DAY_MS),
            new TopicSpec(DIGITS, 3, true, false, 7 * DAY_MS),
            new TopicSpec(ATTACKS_REQUESTED, 3, true, false, 7 * DAY_MS),
            new TopicSpec(ATTACKS_GENERATED, 3, true, false, 7 * DAY_MS),
            new TopicSpec(DIGITS_CLASSIFIED, 3, true, false, 7 * DAY_MS),
            new TopicSpec(DIGITS_SUSPICIOUS, 3, true, false, 30 * DAY_MS),
            new TopicSpec(IMAGES, 3, true, false, 7 * DAY_MS, IMAGES_MAX_MESSAGE_BYTES),
            new TopicSpec(IMAGES_SCORED, 3, true, false, 7 * DAY_MS),
            new TopicSpec(IMAGES_EXPLAINED, 3, true, false, 7 * DAY_MS, IMAGES_MAX_MESSAGE_BYTES));

    /** Topics consumed by a service: each of these has a dead-letter topic. */
    private static final List<String> CONSUMED = List.of(
            QUESTIONS, PAIRS, PAIRS_EMBEDDED, QUESTIONS_EMBEDDED, PAIRS_LABELED, TRAINING_REQUESTED, DIGITS, ATTACKS_REQUESTED,
            IMAGES);

    private Topics() {
    }

    /** The dead-letter topic of {@code topic}. */
    public static String dlq(String topic) {
        return topic + DLQ_SUFFIX;
    }

    /** Every topic with its default partition count. */
    public static List<TopicSpec> all() {
        return all(-1);
    }

    /**
     * Every topic, dead-letter topics included; scalable topics get {@code partitions} partitions when
     * {@code partitions > 0}.
     */
    public static List<TopicSpec> all(int partitions) {
        List<TopicSpec> specs = new ArrayList<>();
        for (TopicSpec s : BASE) {
            specs.add(partitions > 0 && s.scalable() ? s.withPartitions(partitions) : s);
        }
        for (String consumed : CONSUMED) {
            // a dead letter carries the refused record unchanged: the same size limit as the topic it came from
            int max = BASE.stream().filter(b -> b.name().equals(consumed)).findFirst().orElseThrow().maxMessageBytes();
            specs.add(new TopicSpec(dlq(consumed), 1, false, false, 30 * DAY_MS, max));
        }
        return List.copyOf(specs);
    }

    public static Optional<TopicSpec> spec(String name) {
        return all().stream().filter(s -> s.name().equals(name)).findFirst();
    }
}
