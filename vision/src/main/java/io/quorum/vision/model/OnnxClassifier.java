package io.quorum.vision.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelRejectedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A published image classifier on ONNX Runtime: {@code model.onnx} for probabilities and, when the version has one,
 * {@code gradient.onnx} for the exact input gradient ({@link DigitClassifierSpec}). Counts the images it scored, so
 * attacks can report their queries. Inference runs in chunks of {@value #CHUNK} images.
 */
public final class OnnxClassifier implements GradientClassifier, AutoCloseable {

    static final int CHUNK = 512;

    private final OnnxSession model;
    private final OnnxSession gradient;
    private final int classes;
    private final int inputSize;
    private final List<String> classNames;
    private final AtomicLong queries = new AtomicLong();

    private OnnxClassifier(OnnxSession model, OnnxSession gradient) {
        this.model = model;
        this.gradient = gradient;
        this.classes = DigitClassifierSpec.classes(model.signature());
        this.inputSize = DigitClassifierSpec.inputSize(model.signature());
        this.classNames = DigitClassifierSpec.classNames(model.metadata(), classes);
    }

    /**
     * Opens the version in {@code dir} ({@code model.onnx}, and {@code gradient.onnx} when present), checked against
     * the contract; the sessions belong to the returned classifier.
     */
    public static OnnxClassifier open(Path dir, InferenceOptions options) throws ModelRejectedException {
        OnnxSession m = null;
        OnnxSession g = null;
        try {
            m = OnnxSession.open(dir.resolve("model.onnx"), options);
            DigitClassifierSpec.check(m, null);
            Path grad = dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT);
            if (Files.exists(grad)) {
                g = OnnxSession.open(grad, options);
                DigitClassifierSpec.checkGradient(g, DigitClassifierSpec.inputSize(m.signature()),
                        DigitClassifierSpec.classes(m.signature()));
            }
            return new OnnxClassifier(m, g);
        } catch (OrtException e) {
            close(m, g);
            throw new ModelRejectedException("load", "cannot open the classifier in " + dir + ": " + e.getMessage(), e);
        } catch (ModelRejectedException | RuntimeException e) {
            close(m, g);
            throw e;
        }
    }

    /** Wraps sessions that were checked already. */
    public static OnnxClassifier of(OnnxSession model, OnnxSession gradient) {
        return new OnnxClassifier(model, gradient);
    }

    /** Whether white-box attacks can run on it. */
    public boolean hasGradient() {
        return gradient != null;
    }

    /** Whether {@code model.onnx} exports the last hidden layer. */
    public boolean hasFeatures() {
        return DigitClassifierSpec.hasFeatures(model.signature());
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
        return model;
    }

    @Override
    public float[][] probabilities(float[][] images) {
        queries.addAndGet(images.length);
        float[][] out = new float[images.length][];
        try {
            for (int from = 0; from < images.length; from += CHUNK) {
                float[][] part = java.util.Arrays.copyOfRange(images, from, Math.min(images.length, from + CHUNK));
                float[][] p = DigitClassifierSpec.probabilities(model, part);
                System.arraycopy(p, 0, out, from, p.length);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        return out;
    }

    /** The last hidden layer of each image. */
    public float[][] features(float[][] images) {
        try {
            return DigitClassifierSpec.features(model, images);
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
        if (gradient == null) {
            throw new UnsupportedOperationException("this version has no " + DigitClassifierSpec.GRADIENT_ARTIFACT
                    + ": white-box attacks cannot run on it");
        }
        queries.addAndGet(images.length);
        float[][] probabilities = new float[images.length][];
        float[][] out = new float[images.length][];
        try {
            for (int from = 0; from < images.length; from += CHUNK) {
                int to = Math.min(images.length, from + CHUNK);
                DigitClassifierSpec.Gradients g = DigitClassifierSpec.gradients(gradient,
                        java.util.Arrays.copyOfRange(images, from, to), java.util.Arrays.copyOfRange(labels, from, to), classes);
                System.arraycopy(g.gradient(), 0, out, from, to - from);
                System.arraycopy(g.probabilities(), 0, probabilities, from, to - from);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("gradient inference failed: " + e.getMessage(), e);
        }
        return new ProbabilitiesAndGradient(probabilities, out);
    }

    private static void close(OnnxSession a, OnnxSession b) {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    @Override
    public void close() {
        close(model, gradient);
    }
}
