package io.quorum.pairscoring;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.PairScorerSpec;

/** A verified pair-scorer version: its session, input dimension and decision threshold. */
record ScoringModel(ModelPublished meta, OnnxSession session, int dimension, double threshold) implements AutoCloseable {

    static ScoringModel of(ModelPublished meta, OnnxSession session) throws ModelRejectedException {
        return new ScoringModel(meta, session, PairScorerSpec.dimension(session.signature()),
                PairScorerSpec.threshold(session.metadata()));
    }

    @Override
    public void close() {
        session.close();
    }
}
