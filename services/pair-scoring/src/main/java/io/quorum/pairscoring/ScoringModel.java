package io.quorum.pairscoring;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.PairScorerSpec;

/** A verified pair-scorer version: its session, input dimension and decision threshold. */
record ScoringModel(ModelPublished meta, OnnxSession session, int dimension, double threshold, String embedder)
        implements AutoCloseable, io.quorum.pairscoring.search.DuplicateSearch.Scorer {

    static ScoringModel of(ModelPublished meta, OnnxSession session) throws ModelRejectedException {
        return new ScoringModel(meta, session, PairScorerSpec.dimension(session.signature()),
                PairScorerSpec.threshold(session.metadata()), session.metadata().get(PairScorerSpec.META_EMBEDDER));
    }

    @Override
    public String model() {
        return meta.name();
    }

    @Override
    public int version() {
        return meta.version();
    }

    @Override
    public float[] score(float[] left, float[][] rights) throws ai.onnxruntime.OrtException {
        return PairScorerSpec.scoreAgainst(session, left, rights);
    }

    @Override
    public void close() {
        session.close();
    }
}
