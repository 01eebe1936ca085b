package io.quorum.ensemblevoting;

import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.topics.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Settings of the ensemble-voting service ({@code quorum.ensemble-voting.*}). */
@ConfigMapping(prefix = "quorum.ensemble-voting")
public interface EnsembleVotingConfig {

    /** Topic every classification goes to (benchmarks point it elsewhere). */
    @WithDefault(Topics.DIGITS_CLASSIFIED)
    String outputTopic();

    /** Topic suspected adversarials also go to, with their image. */
    @WithDefault(Topics.DIGITS_SUSPICIOUS)
    String suspiciousTopic();

    /** Registry name of the fused ensemble that votes. */
    @WithDefault(DigitEnsembleSpec.MODEL_NAME)
    String model();

    /** Which version to serve: an alias ({@code champion}) or {@code version:<n>} to pin one. */
    @WithDefault("champion")
    String follow();

    /**
     * The vote of records that ask for none: {@code max} (the most confident member decides; the seed's best defence
     * against transferred adversarials), {@code mean} or {@code majority}. A record's {@code vote} field overrides it.
     */
    @WithDefault("max")
    String vote();

    /** Most records per fused inference call (the consumer's {@code max.poll.records}); 1 is the per-record path. */
    @WithDefault("256")
    int maxBatchSize();

    /** Longest the broker holds a fetch to fill a batch ({@code fetch.max.wait.ms}). */
    @WithDefault("5")
    int maxWaitMs();

    /** How long a batch waits for a first model version before it logs and keeps waiting, in seconds. */
    @WithDefault("30")
    int modelWaitSeconds();

    /** The adversarial detector. */
    Detection detection();

    /** Detector settings. */
    interface Detection {
        /** Whether digits whose members disagree beyond the threshold are flagged and sent to the suspicious topic. */
        @WithDefault("true")
        boolean enabled();

        /**
         * A fixed threshold on the disagreement (mutual information, nats) instead of the one the job calibrated for the
         * version (its {@code quorum.ensemble.disagreement.threshold} metadata). A version without one and no override
         * flags nothing.
         */
        Optional<Double> threshold();
    }
}
