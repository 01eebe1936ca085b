package io.quorum.adversarial;

import io.quorum.vision.data.DigitSets;
import io.quorum.shared.topics.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the adversarial-generation service ({@code quorum.adversarial.*}). */
@ConfigMapping(prefix = "quorum.adversarial")
public interface AdversarialConfig {

    /** Topic the adversarials and the per-request summaries go to (benchmarks point it elsewhere). */
    @WithDefault(Topics.ATTACKS_GENERATED)
    String outputTopic();

    /** Topic red-team requests also publish every adversarial to, as a {@code DigitSubmitted}. */
    @WithDefault(Topics.DIGITS)
    String redTeamTopic();

    /** Most requests per poll (the consumer's {@code max.poll.records}); single-image requests of a poll are attacked together. */
    @WithDefault("256")
    int maxBatchSize();

    /** Longest the broker holds a fetch to fill a batch ({@code fetch.max.wait.ms}). */
    @WithDefault("5")
    int maxWaitMs();

    /** Images per attack call: one gradient (or probability) call covers this many images. */
    @WithDefault("256")
    int attackBatch();

    /** How long a request waits for a version of its model that the registry names to be fetched, verified and loaded. */
    @WithDefault("60s")
    Duration modelWait();

    /**
     * How long a request waits for the registry to name a model (or alias) it does not know yet: covers a model
     * published just before the request; then the request is dead-lettered ({@code UNKNOWN_MODEL}).
     */
    @WithDefault("5s")
    Duration unknownModelWait();

    /** Models (name and alias or version) kept loaded; the least recently used beyond this is unloaded. */
    @WithDefault("8")
    int modelCacheSize();

    /** Most images a data-set request may attack (its {@code limit}, or the whole set); more is dead-lettered. */
    @WithDefault("10000")
    int maxImages();

    /** Most model evaluations a black-box attack may spend per image ({@code max-queries}); more is dead-lettered. */
    @WithDefault("100000")
    long maxQueriesPerImage();

    /**
     * Longest a poll's requests may take together; a data-set request still running then stops early, stores what
     * it attacked and says so in {@code AttackCompleted.error}. Keep it below the channel's
     * {@code throttled.unprocessed-record-max-age.ms}.
     */
    @WithDefault("10m")
    Duration maxBatchDuration();

    /** Where data-set references resolve (none may leave it); default: {@code QUORUM_DATA_DIR}, else {@code ../shared/data}. */
    Optional<String> dataDir();

    /** Adversarial data sets are stored as {@code <prefix>-<dataset>-<attack>} in the model store. */
    @WithDefault("adv")
    String datasetPrefix();

    /**
     * How stored adversarial data sets hold their images: {@code float32} (IDX type 0x0d: exactly the attacked
     * images, so the set scores as the request reported) or {@code unsigned-byte} (MNIST's 8-bit IDX, rounded to
     * 1/255, for tools that read nothing else; costs one more forward pass per image to score what is stored).
     */
    @WithDefault("float32")
    DigitSets.ImageEncoding datasetEncoding();

    /**
     * Per-image {@code AdversarialGenerated} records of one data-set request: -1, every image (what evaluations over
     * Kafka read); N >= 0, an evenly spaced sample of at most N (0: only the {@code AttackCompleted}). The whole set
     * goes to the model store either way.
     */
    @WithDefault("-1")
    int datasetOutputCap();

    /** Requests whose pictures this instance keeps for {@code GET /attacks/{requestId}/grid.png} (0: none). */
    @WithDefault("64")
    int recentRequests();

    /** Clean/adversarial pairs kept per recent request for its picture (the first ones). */
    @WithDefault("32")
    int gridImages();

    /** Recent attacked images per (attack, model, version) behind {@code quorum_attack_success_ratio}. */
    @WithDefault("1000")
    int successWindow();
}
