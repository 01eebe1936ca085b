package io.quorum.adversarial;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.OnnxModelLoader;
import io.quorum.vision.model.OnnxClassifier;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A verified classifier version that requests attack: its {@code model.onnx} and, when published with one, its
 * {@code gradient.onnx}, with the image shape from its metadata.
 */
record AttackModel(ModelPublished meta, OnnxClassifier classifier, int height, int width) implements AutoCloseable {

    /** Whether white-box attacks can run on it. */
    boolean whiteBox() {
        return classifier.hasGradient();
    }

    int classes() {
        return classifier.classes();
    }

    /** {@code name v<version>}, for messages. */
    String describe() {
        return meta.name() + " v" + meta.version();
    }

    /**
     * Loads a fetched version: {@code model.onnx} through the shared loader (announced signature, the classifier
     * contract, a smoke inference), then {@code gradient.onnx} when the version has one, checked against the model's
     * input size and classes. A version whose gradient graph fails its check is refused whole.
     */
    static AttackModel load(ModelPublished meta, Path dir, InferenceOptions options) throws ModelRejectedException {
        OnnxModelLoader.Loaded model = new OnnxModelLoader(options, DigitClassifierSpec::check).load(meta, dir);
        OnnxSession gradient = null;
        try {
            Path file = dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT);
            if (Files.exists(file)) {
                try {
                    gradient = OnnxSession.open(file, options);
                } catch (ai.onnxruntime.OrtException e) {
                    throw new ModelRejectedException("load", DigitClassifierSpec.GRADIENT_ARTIFACT
                            + " cannot be loaded: " + e.getMessage(), e);
                }
                DigitClassifierSpec.checkGradient(gradient, DigitClassifierSpec.inputSize(model.session().signature()),
                        DigitClassifierSpec.classes(model.session().signature()));
            }
            int[] shape = DigitClassifierSpec.shape(model.session().metadata());
            return new AttackModel(meta, OnnxClassifier.of(model.session(), gradient), shape[0], shape[1]);
        } catch (ModelRejectedException | RuntimeException e) {
            model.close();
            if (gradient != null) {
                gradient.close();
            }
            throw e;
        }
    }

    @Override
    public void close() {
        classifier.close();
    }
}
