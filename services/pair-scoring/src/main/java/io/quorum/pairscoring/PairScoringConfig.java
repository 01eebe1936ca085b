package io.quorum.pairscoring;

import io.quorum.shared.topics.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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

    /** How long a batch waits for a first model version before it logs and keeps waiting, in seconds. */
    @WithDefault("30")
    int modelWaitSeconds();
}
