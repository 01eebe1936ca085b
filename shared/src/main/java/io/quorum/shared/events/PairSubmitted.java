package io.quorum.shared.events;

/**
 * An upstream app asks whether two questions are duplicates ({@code quorum.pairs}). Keyed by {@code pairId}.
 *
 * @param embedder optional: embed with this embedder instead of the stream's configured one
 */
public record PairSubmitted(int schemaVersion, String pairId, String leftId, String left, String rightId, String right,
                            String embedder, long submittedAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public PairSubmitted {
        Checks.requiredText(pairId, "pairId");
        Checks.required(left, "left");
        Checks.required(right, "right");
    }

    public static PairSubmitted of(String pairId, String left, String right) {
        return new PairSubmitted(SCHEMA_VERSION, pairId, null, left, null, right, null, System.currentTimeMillis());
    }
}
