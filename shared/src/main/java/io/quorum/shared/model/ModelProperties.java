package io.quorum.shared.model;

/**
 * Keys of the properties a model version is published with ({@code ModelPublished.properties}, also in the model
 * card), shared by the jobs and tools that write them, the gate that compares them and whoever reads them back. The
 * ONNX metadata the serving services read is defined by their contracts ({@link PairScorerSpec},
 * {@link PairAlignerSpec}, {@code Embedders.META_KIND}); the {@code META_*} keys here are the other metadata keys.
 */
public final class ModelProperties {

    /** The vector length a model takes or an embedder gives; part of the serving contract (the trainer's {@code Gate.SERVING_CONTRACT}). */
    public static final String DIMENSION = "dimension";
    /** A pair scorer's network shape, as its job parameters describe it. */
    public static final String ARCHITECTURE = "architecture";
    /** The names of a pair aligner's input features, comma-separated, in input order. */
    public static final String FEATURES = "features";
    /** A word-vector embedder's vector source ({@code glove}, {@code self}, ...); the trainer checks it on a champion. */
    public static final String VECTORS = "vectors";
    /** A word-vector embedder's weighting of its words ({@code tfidf} or {@code mean}). */
    public static final String WEIGHTING = "weighting";
    /** A word-vector embedder's vocabulary size. */
    public static final String VOCABULARY = "vocabulary";
    /** An encoder's numeric precision ({@code fp32}, {@code int8}). */
    public static final String PRECISION = "precision";
    /** How an encoder pools its token vectors into a sentence vector. */
    public static final String POOLING = "pooling";
    /** The word pieces an encoder keeps per text. */
    public static final String MAX_TOKENS = "maxTokens";
    /** Where an encoder's weights come from. */
    public static final String SOURCE = "source";
    /** The pair models a fine-tuned encoder was published with. */
    public static final String PAIR_MODEL = "pairModel";
    /** Which layers give a fine-tuned encoder's token vectors. */
    public static final String TOKEN_VECTORS = "tokenVectors";
    /** The scale of a cosine head {@code sigmoid(scale * (cos - offset))}. */
    public static final String SCALE = "scale";
    /** The offset of a cosine head {@code sigmoid(scale * (cos - offset))}. */
    public static final String OFFSET = "offset";
    /** ONNX metadata: the formula of a cosine head. */
    public static final String META_HEAD = "quorum.head";
    /** ONNX metadata: the encoder a fine-tuned one started from. */
    public static final String META_FINETUNED_FROM = "quorum.finetuned.from";
    /** ONNX metadata: how many of an encoder's layers were fine-tuned. */
    public static final String META_FINETUNED_LAYERS = "quorum.finetuned.layers";
    /** ONNX metadata: which layers give a fine-tuned encoder's token vectors. */
    public static final String META_TOKEN_VECTORS = "quorum.token_vectors";
    /** ONNX metadata: a word-vector embedder's vector source. */
    public static final String META_VECTORS = "quorum.vectors";

    private ModelProperties() {
    }
}
