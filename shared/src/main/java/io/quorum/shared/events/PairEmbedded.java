package io.quorum.shared.events;

/**
 * Both sides of a question pair became vectors ({@code quorum.pairs.embedded}). Keyed by {@code pairId}.
 *
 * @param pairId          the pair's id, unique per upstream app
 * @param leftId          id of the first question (optional)
 * @param rightId         id of the second question (optional)
 * @param left            vector of the first question
 * @param right           vector of the second question (same length as {@code left})
 * @param embedder        name of the embedder model that made the vectors (optional for external producers)
 * @param embedderVersion registry version of that embedder (optional)
 * @param embeddedAt      epoch milliseconds when the vectors were made
 * @param features        interaction features of the two texts (optional; the embedding service adds them for
 *                        MiniLM: token alignment and lexical overlap), scored by a {@code pair-aligner} model
 * @param featureSet      name of the feature set {@code features} follow (required with {@code features})
 */
public record PairEmbedded(
        int schemaVersion,
        String pairId,
        String leftId,
        String rightId,
        FloatVector left,
        FloatVector right,
        String embedder,
        Integer embedderVersion,
        long embeddedAt,
        FloatVector features,
        String featureSet) implements QuorumEvent {

    public static final int SCHEMA_VERSION = 1;

    public PairEmbedded {
        Checks.requiredText(pairId, "pairId");
        Checks.required(left, "left");
        Checks.required(right, "right");
        if (features != null) {
            Checks.requiredText(featureSet, "featureSet");
        }
    }

    /** Without interaction features. */
    public PairEmbedded(int schemaVersion, String pairId, String leftId, String rightId, FloatVector left,
                        FloatVector right, String embedder, Integer embedderVersion, long embeddedAt) {
        this(schemaVersion, pairId, leftId, rightId, left, right, embedder, embedderVersion, embeddedAt, null, null);
    }

    public static PairEmbedded of(String pairId, FloatVector left, FloatVector right) {
        return new PairEmbedded(SCHEMA_VERSION, pairId, null, null, left, right, null, null, System.currentTimeMillis());
    }
}
