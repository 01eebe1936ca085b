package io.quorum.pairscoring;

import io.quorum.shared.topics.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the pair-scoring service ({@code quorum.pair-scoring.*}). */
@ConfigMapping(prefix = "quorum.pair-scoring")
public interface PairScoringConfig {

    /** Topic the scores go to (benchmarks point it elsewhere). */
    @WithDefault(Topics.PAIRS_SCORED)
    String outputTopic();

    /** Registry name of the model that scores pairs. */
    @WithDefault("pair-scorer")
    String model();

    /** Which version to serve: an alias ({@code champion}) or {@code version:<n>} to pin one. */
    @WithDefault("champion")
    String follow();

    /** Most records per inference call (the consumer's {@code max.poll.records}); 1 is the per-record path. */
    @WithDefault("512")
    int maxBatchSize();

    /** Longest the broker holds a fetch to fill a batch ({@code fetch.max.wait.ms}). */
    @WithDefault("5")
    int maxWaitMs();

    /** Duplicate search over {@code quorum.questions.embedded}. */
    Duplicates duplicates();

    /** The pair-aligner model, which scores pairs that carry interaction features. */
    Aligner aligner();

    /** Pair-aligner settings. */
    interface Aligner {
        /**
         * Whether pairs carrying interaction features ({@code PairEmbedded.features}) are scored by the aligner model
         * while one serves; others, and all pairs while none serves, go to the Siamese model.
         */
        @WithDefault("true")
        boolean enabled();

        /** Registry name of the aligner model. */
        @WithDefault("pair-aligner")
        String model();

        /** Which aligner version to serve: an alias ({@code champion}) or {@code version:<n>}. */
        @WithDefault("champion")
        String follow();
    }

    /** Duplicate search settings. */
    interface Duplicates {
        /** Whether this instance indexes questions and answers on {@code quorum.duplicates.found}. */
        @WithDefault("true")
        boolean enabled();

        /** Nearest known questions re-scored by the pair model for each new question. */
        @WithDefault("10")
        int topK();

        /** Consumer group whose committed offsets mark the questions already answered. */
        @WithDefault("pair-scoring-duplicates")
        String group();

        /** Compacted topic of embedded questions the index is built from (benchmarks point it elsewhere). */
        @WithDefault(Topics.QUESTIONS_EMBEDDED)
        String topic();

        /** Topic the answers go to. */
        @WithDefault(Topics.DUPLICATES_FOUND)
        String outputTopic();

        /**
         * Directory of the persisted index, one subdirectory per topic; unset: {@code duplicates-index} in the
         * service's cache directory ({@code quorum.models.cache-dir}); {@code memory}: kept in memory and rebuilt from
         * the topic on every start.
         */
        Optional<String> indexDir();

        /**
         * Vectors in the HNSW graph: {@code none} (float32), {@code int8} (Lucene's 7-bit scalar quantisation, a
         * quarter of the memory) or {@code int4}; candidates are always re-ranked on float32 vectors. Changing it
         * rebuilds the index.
         */
        @WithDefault("int8")
        String quantization();

        /**
         * Candidates the HNSW graph proposes per search (per segment), re-ranked by exact cosine to the top-k: 100
         * finds the planted duplicate first for 99.7% of queries at 100k questions, 40 for 94-98% (README).
         */
        @WithDefault("100")
        int candidates();

        /** Longest time between two commits of the index (with the offsets it covers) while questions arrive. */
        @WithDefault("10s")
        Duration commitInterval();

        /** Heap the index writer buffers before it writes a segment, in MB. */
        @WithDefault("64")
        int ramBufferMb();
    }

    /** How long a batch waits for a first model version before it logs and keeps waiting, in seconds. */
    @WithDefault("30")
    int modelWaitSeconds();
}
