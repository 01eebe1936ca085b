package io.quorum.shared.events;

/**
 * A pair was scored by the duplicate model ({@code quorum.pairs.scored}). Keyed by {@code pairId}.
 *
 * @param probability     model probability that the two questions are duplicates, in [0, 1]
 * @param duplicate       the decision: {@code probability >= threshold}
 * @param threshold       the calibrated decision threshold stored with the model version
 * @param model           registry name of the scoring model
 * @param modelVersion    registry version of the scoring model that produced this record
 * @param embedder        embedder of the input vectors, copied from the input (may be null)
 * @param embedderVersion embedder version, copied from the input (may be null)
 * @param scoredAt        epoch milliseconds
 */
public record PairScored(
        int schemaVersion,
        String pairId,
        String leftId,
        String rightId,
        double probability,
        boolean duplicate,
        double threshold,
        String model,
        int modelVersion,
        String embedder,
        Integer embedderVersion,
        long scoredAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public PairScored {
        Checks.requiredText(pairId, "pairId");
        Checks.requiredText(model, "model");
    }
}
