package io.quorum.pairscoring;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;

/**
 * A verified pair-aligner version: scores pairs from the interaction features the embedding service attaches
 * ({@code PairEmbedded.features}) rather than from the two sentence vectors.
 *
 * @param features   number of features it takes
 * @param featureSet the feature set it was trained on; pairs carrying another set go to the Siamese scorer
 * @param embedder   the embedder whose token vectors the features came from (null: any)
 */
record AlignerModel(ModelPublished meta, OnnxSession session, int features, String featureSet, double threshold,
                    String embedder) implements AutoCloseable {

    static AlignerModel of(ModelPublished meta, OnnxSession session) throws ModelRejectedException {
        return new AlignerModel(meta, session, PairAlignerSpec.features(session.signature()),
                PairAlignerSpec.featureSet(session.metadata()), PairScorerSpec.threshold(session.metadata()),
                session.metadata().get(PairScorerSpec.META_EMBEDDER));
    }

    /** Whether this model scores a pair embedded by {@code pairEmbedder} with features of {@code set}. */
    boolean accepts(String set, String pairEmbedder) {
        return featureSet.equals(set) && (embedder == null || pairEmbedder == null || embedder.equals(pairEmbedder));
    }

    @Override
    public void close() {
        session.close();
    }
}
