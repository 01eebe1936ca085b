package io.quorum.imagescoring;

import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.topics.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the image-scoring service ({@code quorum.image-scoring.*}). */
@ConfigMapping(prefix = "quorum.image-scoring")
public interface ImageScoringConfig {

    /** Topic every score goes to (benchmarks point it elsewhere). */
    @WithDefault(Topics.IMAGES_SCORED)
    String outputTopic();

    /** Registry name of the scorer ({@code image-scorer}: aligned crop in, score out). */
    @WithDefault(ImageScorerSpec.MODEL_NAME)
    String model();

    /** Which version to serve: an alias ({@code champion}) or {@code version:<n>} to pin one. */
    @WithDefault("champion")
    String follow();

    /**
     * Whether every input is already an aligned face crop (the authors' MEBeauty crops): detection and alignment are
     * skipped. A record's {@value ImageScorer#HEADER_ALIGNED} header ({@code true}/{@code false}) overrides it.
     */
    @WithDefault("false")
    boolean alreadyAligned();

    /** Most photos per poll and per scoring call (the consumer's {@code max.poll.records}). */
    @WithDefault("16")
    int maxBatchSize();

    /** Largest record value accepted, bytes; larger ones are dead-lettered as {@code LIMIT_EXCEEDED}. */
    @WithDefault("10485760")
    long maxRecordBytes();

    /** Most pixels an image header may declare; more is a decompression bomb, refused before decoding. */
    @WithDefault("40000000")
    long maxPixels();

    /** Longest side an image header may declare, pixels; longer is refused before decoding. */
    @WithDefault("12000")
    int maxDimension();

    /** Lowest BlazeFace score (after the sigmoid) a detection needs to count as a face. */
    @WithDefault("0.5")
    double minFaceScore();

    /** Intra-op threads of the detector's ONNX session. */
    @WithDefault("1")
    int detectorThreads();

    /**
     * Which photos get an occlusion-sensitivity explanation: {@code none} (only those whose
     * {@value ImageScorer#HEADER_EXPLAIN} header asks for one) or {@code occlusion} (every scored photo).
     */
    @WithDefault("none")
    String explain();

    /** Topic the explanations (PNG heat-map overlays, metadata in headers) go to. */
    @WithDefault(Topics.IMAGES_EXPLAINED)
    String explainTopic();

    /** Side of the grey occluding patch, in crop pixels (of the model's 224-pixel crop). */
    @WithDefault("56")
    int explainPatch();

    /** Step between occluding patch positions, in crop pixels. */
    @WithDefault("28")
    int explainStride();

    /** Occluded variants per inference call. */
    @WithDefault("16")
    int explainBatch();

    /** How long a batch waits for a first model version before it logs and keeps waiting, in seconds. */
    @WithDefault("30")
    int modelWaitSeconds();
}
