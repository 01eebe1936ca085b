package io.quorum.ensemblevoting;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import java.util.List;
import java.util.OptionalDouble;

/**
 * A verified ensemble version ({@link DigitEnsembleSpec}): its session, image shape, classes, members and the
 * detector threshold it was calibrated with (empty when it has none).
 */
record VotingModel(ModelPublished meta, OnnxSession session, int height, int width, int members, List<String> classNames,
                   OptionalDouble threshold) implements AutoCloseable {

    static VotingModel of(ModelPublished meta, OnnxSession session) {
        int[] shape = DigitClassifierSpec.shape(session.metadata());
        int classes = DigitClassifierSpec.classes(session.signature());
        return new VotingModel(meta, session, shape[0], shape[1], DigitEnsembleSpec.members(session.signature()),
                DigitClassifierSpec.classNames(session.metadata(), classes), DigitEnsembleSpec.threshold(session.metadata()));
    }

    int classes() {
        return classNames.size();
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
