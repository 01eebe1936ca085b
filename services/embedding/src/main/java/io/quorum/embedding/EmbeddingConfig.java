package io.quorum.embedding;

import io.quorum.shared.topics.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.List;
import java.util.Optional;

/** Settings of the embedding service ({@code quorum.embedding.*}). */
@ConfigMapping(prefix = "quorum.embedding")
public interface EmbeddingConfig {

    /** Embedder (registry model name) for {@code quorum.questions}. */
    @WithDefault("minilm")
    String questionsEmbedder();

    /** Topic question vectors go to (benchmarks point it elsewhere). */
    @WithDefault(Topics.QUESTIONS_EMBEDDED)
    String questionsOutputTopic();

    /** Topic pair vectors go to (benchmarks point it elsewhere). */
    @WithDefault(Topics.PAIRS_EMBEDDED)
    String pairsOutputTopic();

    /** Embedder (registry model name) for {@code quorum.pairs}. */
    @WithDefault("minilm")
    String pairsEmbedder();

    /** Further embedders records may ask for by name (loaded and kept serving too); empty for none. */
    @WithDefault("minilm-q,tfidf-w2v")
    Optional<List<String>> extraEmbedders();

    /** Which version of each embedder to serve: an alias ({@code champion}) or {@code version:<n>}. */
    @WithDefault("champion")
    String follow();

    /** Longest text accepted, in characters; longer ones are dead-lettered. */
    @WithDefault("10000")
    int maxTextChars();

    /**
     * Whether pairs embedded with MiniLM also carry interaction features (token alignment and lexical overlap,
     * {@code PairEmbedded.features}) for a {@code pair-aligner} model; costs one pass over both sides' token vectors.
     */
    @WithDefault("true")
    boolean pairFeatures();

    /**
     * How {@code QuestionEmbedded} and {@code PairEmbedded} records are written: {@code json} (the compatible default;
     * every consumer reads it) or {@code binary} (raw little-endian float32 in the value, the other fields in
     * CloudEvents {@code ce_*} and {@code quorum_*} headers: smaller and cheaper to decode). Consumers read both.
     */
    @WithDefault("json")
    String contentMode();

    /** Texts per inference call (larger batches are split). */
    @WithDefault("64")
    int inferenceBatch();

    /** How long a batch waits for its embedder's first version before it logs and keeps waiting, in seconds. */
    @WithDefault("30")
    int modelWaitSeconds();
}
