package io.quorum.vision.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelRejectedException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A published image classifier on ONNX Runtime: {@code model.onnx} for probabilities and, when the version has one,
 * {@code gradient.onnx} for the exact input gradient ({@link DigitClassifierSpec}). Counts the images it scored, so
 * attacks can report their queries. Inference runs in chunks of {@value DigitSessions#CHUNK} images.
 */
public final class OnnxClassifier implements GradientClassifier, AutoCloseable {

    private final DigitSessions sessions;
    private final int classes;
    private final int inputSize;
    private final List<String> classNames;
    private final AtomicLong queries = new AtomicLong();

    private OnnxClassifier(DigitSessions sessions) {
        this.sessions = sessions;
        OnnxSession model = sessions.model();
        this.classes = DigitClassifierSpec.classes(model.signature());
        this.inputSize = DigitClassifierSpec.inputSize(model.signature());
        this.classNames = DigitClassifierSpec.classNames(model.metadata(), classes);
    }

    /**
     * Opens the version in {@code dir} ({@code model.onnx}, and {@code gradient.onnx} when present), checked against
     * the contract; the sessions belong to the returned classifier.
     */
    public static OnnxClassifier open(Path dir, InferenceOptions options) throws ModelRejectedException {
        return new OnnxClassifier(DigitSessions.open(dir, options, m -> DigitClassifierSpec.check(m, null), "classifier"));
    }

    /** Wraps sessions that were checked already. */
    public static OnnxClassifier of(OnnxSession model, OnnxSession gradient) {
        return new OnnxClassifier(DigitSessions.of(model, gradient));
    }

    /** Whether white-box attacks can run on it. */
    public boolean hasGradient() {
        return sessions.hasGradient();
    }

    /** Whether {@code model.onnx} exports the last hidden layer. */
    public boolean hasFeatures() {
        return DigitClassifierSpec.hasFeatures(sessions.model().signature());
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** Images scored so far (probabilities and gradients). */
    public long queries() {
        return queries.get();
    }

    public OnnxSession session() {
        return sessions.model();
    }

    @Override
    public float[][] probabilities(float[][] images) {
        queries.addAndGet(images.length);
        return sessions.probabilities(images);
    }

    /** The last hidden layer of each image. */
    public float[][] features(float[][] images) {
        try {
            return DigitClassifierSpec.features(sessions.model(), images);
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public float[][] lossGradient(float[][] images, int[] labels) {
        return probabilitiesAndGradient(images, labels).gradient();
    }

    /** One call of the gradient graph, which outputs the probabilities beside the gradient. */
    @Override
    public ProbabilitiesAndGradient probabilitiesAndGradient(float[][] images, int[] labels) {
        ProbabilitiesAndGradient out = sessions.probabilitiesAndGradient(images, labels, "this version");
        queries.addAndGet(images.length);
        return out;
    }

    @Override
    public void close() {
        sessions.close();
    }
}
