package io.quorum.shared.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.OnnxSession;
import java.util.Map;
import java.util.Random;

/**
 * The serving contract of duplicate-pair models, shared by the trainer that exports them and the pair-scoring
 * service that serves them: inputs {@code left} and {@code right}, float32 {@code [N, d]}; output
 * {@code probability}, float32 {@code [N, 1]} in [0, 1]; the calibrated decision threshold in the ONNX metadata
 * property {@value #META_THRESHOLD} (default 0.5), inside the hashed file.
 */
public final class PairScorerSpec {

    public static final String MODEL_NAME = "pair-scorer";
    public static final String INPUT_LEFT = "left";
    public static final String INPUT_RIGHT = "right";
    public static final String OUTPUT = "probability";
    public static final String META_THRESHOLD = "quorum.threshold";
    public static final String META_EMBEDDER = "quorum.embedder";
    public static final String META_EMBEDDER_VERSION = "quorum.embedder.version";
    /** SHA-256 of the embedder's model file the pair model was trained with (set where the embedder was trained too). */
    public static final String META_EMBEDDER_SHA256 = "quorum.embedder.sha256";
    public static final double DEFAULT_THRESHOLD = 0.5;

    private PairScorerSpec() {
    }

    /** The vector length the model takes. */
    public static int dimension(ModelSignature signature) {
        return (int) signature.input(INPUT_LEFT).orElseThrow().dim(1);
    }

    /** The decision threshold stored in the model. */
    public static double threshold(Map<String, String> metadata) throws ModelRejectedException {
        String t = metadata.get(META_THRESHOLD);
        if (t == null) {
            return DEFAULT_THRESHOLD;
        }
        try {
            double v = Double.parseDouble(t);
            if (!(v >= 0 && v <= 1)) {
                throw new ModelRejectedException("contract", META_THRESHOLD + " must be in [0, 1], got " + t);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ModelRejectedException("contract", META_THRESHOLD + " is not a number: " + t);
        }
    }

    /**
     * Scores {@code n} pairs with a pair model: row {@code i} of {@code left} with row {@code i} of {@code right}, both
     * row-major {@code [n, dim]}. The one inference call of every pair model, for serving, duplicate search,
     * evaluation, benchmarks and training alike.
     */
    public static float[] score(OnnxSession session, float[] left, float[] right, int n, int dim) throws OrtException {
        return session.runFloat(Map.of(INPUT_LEFT, FloatTensor.of(left, n, dim), INPUT_RIGHT, FloatTensor.of(right, n, dim)),
                OUTPUT).data();
    }

    /** Scores {@code left[i]} with {@code right[i]} for every row. */
    public static float[] score(OnnxSession session, float[][] left, float[][] right) throws OrtException {
        if (left.length != right.length) {
            throw new IllegalArgumentException(left.length + " left rows but " + right.length + " right rows");
        }
        if (left.length == 0) {
            return new float[0];
        }
        int dim = left[0].length;
        return score(session, flatten(left, dim), flatten(right, dim), left.length, dim);
    }

    /** Scores {@code left} against each row of {@code rights} (duplicate search: one question, its candidates). */
    public static float[] scoreAgainst(OnnxSession session, float[] left, float[][] rights) throws OrtException {
        int n = rights.length;
        int d = left.length;
        float[] l = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(left, 0, l, i * d, d);
        }
        return score(session, l, flatten(rights, d), n, d);
    }

    private static float[] flatten(float[][] rows, int dim) {
        float[] flat = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != dim) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + dim);
            }
            System.arraycopy(rows[i], 0, flat, i * dim, dim);
        }
        return flat;
    }

    /** The checks the pair-scoring service runs before a version may serve. */
    public static void check(OnnxSession session, ModelPublished meta) throws ModelRejectedException {
        ModelSignature s = session.signature();
        if (s.inputs().size() != 2) {
            throw new ModelRejectedException("contract", "a pair scorer has 2 inputs (left, right), this model has "
                    + s.inputs());
        }
        TensorSpec left = s.input(INPUT_LEFT).orElseThrow(() -> new ModelRejectedException("contract",
                "no input named '" + INPUT_LEFT + "': " + s.inputs()));
        TensorSpec right = s.input(INPUT_RIGHT).orElseThrow(() -> new ModelRejectedException("contract",
                "no input named '" + INPUT_RIGHT + "': " + s.inputs()));
        for (TensorSpec in : new TensorSpec[] {left, right}) {
            if (!in.type().equals("float32") || in.rank() != 2 || in.dim(1) <= 0) {
                throw new ModelRejectedException("contract", "input " + in + " must be float32 [N, d] with a fixed d");
            }
        }
        if (left.dim(1) != right.dim(1)) {
            throw new ModelRejectedException("contract", "left and right dimensions differ: " + left + " vs " + right);
        }
        TensorSpec out = s.output(OUTPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no output named '" + OUTPUT + "': " + s.outputs()));
        if (!out.type().equals("float32") || out.rank() != 2 || (out.dim(1) >= 0 && out.dim(1) != 1)) {
            throw new ModelRejectedException("contract", "output " + out + " must be float32 [N, 1]");
        }
        threshold(session.metadata());
        smoke(session, (int) left.dim(1));
    }

    private static void smoke(OnnxSession session, int dim) throws ModelRejectedException {
        int n = 4;
        Random rnd = new Random(17);
        float[] l = new float[n * dim];
        float[] r = new float[n * dim];
        for (int i = 0; i < l.length; i++) {
            l[i] = (float) rnd.nextGaussian();
            r[i] = i < dim ? l[i] : (float) rnd.nextGaussian(); // row 0: identical sides
        }
        float[] p;
        try {
            p = score(session, l, r, n, dim);
        } catch (OrtException | RuntimeException e) {
            throw new ModelRejectedException("smoke", "smoke inference failed: " + e.getMessage(), e);
        }
        checkProbabilities(p, n);
    }

    /** A smoke inference of {@code n} rows must give {@code n} probabilities. */
    static void checkProbabilities(float[] p, int n) throws ModelRejectedException {
        if (p.length != n) {
            throw new ModelRejectedException("smoke", "smoke inference returned " + p.length + " values for " + n + " rows");
        }
        for (float v : p) {
            if (!(v >= 0f && v <= 1f)) {
                throw new ModelRejectedException("smoke", "smoke inference returned " + v + ", not a probability");
            }
        }
    }
}
