package io.quorum.shared.model;

/**
 * Keys of the properties a {@code ModelPublished} carries (and, with a {@code quorum.} prefix, of the ONNX metadata
 * inside the hashed file), shared by the jobs that write them, the gate that compares them and the services that
 * read them. Pair-model keys live in {@link PairScorerSpec} and {@link PairAlignerSpec}.
 */
public final class ModelProperties {

    /** Vector length a model takes (pair models) or gives (embedders). */
    public static final String DIMENSION = "dimension";
    /** Word-vector source of a tfidf-w2v embedder ({@code glove}, {@code self}, {@code minilm-context+center}, a file). */
    public static final String VECTORS = "vectors";
    /** The same, inside the ONNX metadata of a tfidf-w2v embedder. */
    public static final String META_VECTORS = "quorum.vectors";
    /** Weighting of a tfidf-w2v embedder's mean ({@code tfidf} or {@code mean}). */
    public static final String WEIGHTING = "weighting";
    /** Words in a tfidf-w2v embedder's vocabulary. */
    public static final String VOCABULARY = "vocabulary";
    /** The base model a fine-tuned encoder was trained from (ONNX metadata). */
    public static final String META_FINETUNED_FROM = "quorum.finetuned.from";
    /** How many of the base model's layers were fine-tuned (ONNX metadata). */
    public static final String META_FINETUNED_LAYERS = "quorum.finetuned.layers";
    /** The closed form of a pair model's head (ONNX metadata). */
    public static final String META_HEAD = "quorum.head";

    private ModelProperties() {
    }
}
