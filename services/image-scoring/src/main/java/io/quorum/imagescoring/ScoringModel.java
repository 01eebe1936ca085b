package io.quorum.imagescoring;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelRejectedException;

/** A verified {@code image-scorer} version ({@link ImageScorerSpec}): its session, crop size and score scale. */
record ScoringModel(ModelPublished meta, OnnxSession session, int size, ImageScorerSpec.Scale scale)
        implements AutoCloseable {

    static ScoringModel of(ModelPublished meta, OnnxSession session) throws ModelRejectedException {
        return new ScoringModel(meta, session, ImageScorerSpec.size(session.signature()),
                ImageScorerSpec.scale(session.metadata()));
    }

    /** {@code name v<version>}, for messages. */
    String describe() {
        return meta.name() + " v" + meta.version();
    }

    @Override
    public void close() {
        session.close();
    }
}
