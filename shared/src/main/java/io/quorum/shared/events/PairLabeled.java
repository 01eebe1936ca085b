package io.quorum.shared.events;

/**
 * A person (or an upstream system) said whether two questions are duplicates ({@code quorum.pairs.labeled}).
 * The trainer keeps these as training data. Keyed by {@code pairId}.
 *
 * @param label     1 duplicate, 0 not
 * @param source    who labelled it
 */
public record PairLabeled(int schemaVersion, String pairId, String leftId, String rightId, String left, String right,
                          int label, String source, long labeledAt) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public PairLabeled {
        Checks.requiredText(pairId, "pairId");
        Checks.requiredText(left, "left");
        Checks.requiredText(right, "right");
        Checks.check(label == 0 || label == 1, "label must be 0 or 1, got " + label);
    }
}
