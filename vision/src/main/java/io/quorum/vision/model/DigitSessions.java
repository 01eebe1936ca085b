package io.quorum.vision.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelRejectedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The ONNX Runtime sessions of one published digits version: {@code model.onnx}, checked by the caller's contract
 * (a single classifier's or an ensemble's), and {@code gradient.onnx} when the version has one, checked against
 * {@link DigitClassifierSpec#checkGradient}. Runs both in chunks of {@value #CHUNK} images. Shared by
 * {@link OnnxClassifier} and the ensemble, which differ only in what else they read from {@code model.onnx}.
 */
public final class DigitSessions implements AutoCloseable {

    /** Images per inference call. */
    public static final int CHUNK = 512;

    /** The contract {@code model.onnx} must meet. */
    @FunctionalInterface
    public interface ModelCheck {
        void check(OnnxSession model) throws ModelRejectedException;
    }

    private final OnnxSession model;
    private final OnnxSession gradient;
    private final int classes;

    private DigitSessions(OnnxSession model, OnnxSession gradient) {
        this.model = model;
        this.gradient = gradient;
        this.classes = DigitClassifierSpec.classes(model.signature());
    }

    /**
     * Opens {@code model.onnx} in {@code dir}, checked by {@code check}, and {@code gradient.onnx} when present; on any
     * failure closes what it opened. {@code what} names the model in the error ("classifier", "ensemble").
     */
    public static DigitSessions open(Path dir, InferenceOptions options, ModelCheck check, String what)
            throws ModelRejectedException {
        OnnxSession m = null;
        OnnxSession g = null;
        try {
            m = OnnxSession.open(dir.resolve("model.onnx"), options);
            check.check(m);
            Path grad = dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT);
            if (Files.exists(grad)) {
                g = OnnxSession.open(grad, options);
                DigitClassifierSpec.checkGradient(g, DigitClassifierSpec.inputSize(m.signature()),
                        DigitClassifierSpec.classes(m.signature()));
            }
            return new DigitSessions(m, g);
        } catch (OrtException e) {
            close(m, g);
            throw new ModelRejectedException("load", "cannot open the " + what + " in " + dir + ": " + e.getMessage(), e);
        } catch (ModelRejectedException | RuntimeException e) {
            close(m, g);
            throw e;
        }
    }

    /** Wraps sessions that were checked already (the gradient may be null). */
    public static DigitSessions of(OnnxSession model, OnnxSession gradient) {
        return new DigitSessions(model, gradient);
    }

    public OnnxSession model() {
        return model;
    }

    public boolean hasGradient() {
        return gradient != null;
    }

    /** {@code model.onnx}'s {@code probabilities} of each image. */
    public float[][] probabilities(float[][] images) {
        float[][] out = new float[images.length][];
        try {
            for (int from = 0; from < images.length; from += CHUNK) {
                float[][] p = DigitClassifierSpec.probabilities(model,
                        Arrays.copyOfRange(images, from, Math.min(images.length, from + CHUNK)));
                System.arraycopy(p, 0, out, from, p.length);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * {@code gradient.onnx}'s two outputs, one call per chunk. Throws {@link UnsupportedOperationException} when the
     * version has no gradient graph ({@code what} names the model in the message).
     */
    public GradientClassifier.ProbabilitiesAndGradient probabilitiesAndGradient(float[][] images, int[] labels,
                                                                               String what) {
        if (gradient == null) {
            throw new UnsupportedOperationException(what + " has no " + DigitClassifierSpec.GRADIENT_ARTIFACT
                    + ": white-box attacks cannot run on it");
        }
        float[][] probabilities = new float[images.length][];
        float[][] out = new float[images.length][];
        try {
            for (int from = 0; from < images.length; from += CHUNK) {
                int to = Math.min(images.length, from + CHUNK);
                DigitClassifierSpec.Gradients g = DigitClassifierSpec.gradients(gradient,
                        Arrays.copyOfRange(images, from, to), Arrays.copyOfRange(labels, from, to), classes);
                System.arraycopy(g.gradient(), 0, out, from, to - from);
                System.arraycopy(g.probabilities(), 0, probabilities, from, to - from);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("gradient inference failed: " + e.getMessage(), e);
        }
        return new GradientClassifier.ProbabilitiesAndGradient(probabilities, out);
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
