package io.quorum.shared.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.OnnxSession;
import java.util.Map;

/**
 * The serving contract of face-attractiveness scorers ({@code image-scorer}, issue #17), shared by the jobs that export
 * them and the image-scoring service that serves them.
 *
 * <ul>
 *   <li>{@code model.onnx}: input {@value #INPUT} float32 {@code [N, S, S, 3]}: an <b>aligned face crop</b>, NHWC, RGB,
 *       raw pixel values 0..255 (no normalisation: the graph does its own), S = {@value #META_SIZE} (224 for every
 *       model built on faceres); output {@value #OUTPUT} float32 {@code [N, 1]} on the data set's scale (MEBeauty: the
 *       mean human score, 1..10).</li>
 *   <li>metadata: {@value #META_SIZE} (S), {@value #META_SCALE_MIN}/{@value #META_SCALE_MAX} (the data set's scale),
 *       {@value #META_ALIGNMENT} (the crop geometry the model learned from, e.g. {@value #ALIGNMENT_MEBEAUTY}: eyes level,
 *       0.34 of the width apart, eye line at 0.40 of the height), {@value #META_DATASET}, {@value #META_BACKBONE}.</li>
 * </ul>
 */
public final class ImageScorerSpec {

    public static final String MODEL_NAME = "image-scorer";
    /** Input: aligned face crops, float32 {@code [N, S, S, 3]}, NHWC RGB 0..255. */
    public static final String INPUT = "image";
    /** Output: the score on the data set's scale, float32 {@code [N, 1]}. */
    public static final String OUTPUT = "score";
    /** Metadata: the crop side S in pixels. */
    public static final String META_SIZE = "quorum.image.size";
    /** Metadata: the lowest score of the data set's scale. */
    public static final String META_SCALE_MIN = "quorum.score.min";
    /** Metadata: the highest score of the data set's scale. */
    public static final String META_SCALE_MAX = "quorum.score.max";
    /** Metadata: the alignment geometry of the crops the model takes. */
    public static final String META_ALIGNMENT = "quorum.alignment";
    /** Metadata: the training data set (e.g. {@code mebeauty-2022-train}). */
    public static final String META_DATASET = "quorum.dataset";
    /** Metadata: the backbone (e.g. {@code faceres}) and how it was used ({@code frozen+ridge}). */
    public static final String META_BACKBONE = "quorum.backbone";
    /** The MEBeauty crop geometry ({@code io.quorum.faces.align.FaceAligner.Geometry.mebeauty()}). */
    public static final String ALIGNMENT_MEBEAUTY = "mebeauty";
    public static final int DEFAULT_SIZE = 224;

    private ImageScorerSpec() {
    }

    /** The data set's scale, from the metadata (1..10 when absent). */
    public record Scale(double min, double max) {
    }

    /** The crop side S the model takes. */
    public static int size(ModelSignature signature) {
        return (int) signature.input(INPUT).orElseThrow().dim(1);
    }

    public static Scale scale(Map<String, String> metadata) throws ModelRejectedException {
        double lo = number(metadata, META_SCALE_MIN, 1);
        double hi = number(metadata, META_SCALE_MAX, 10);
        if (!(lo < hi)) {
            throw new ModelRejectedException("contract", "score scale " + lo + ".." + hi + " is empty");
        }
        return new Scale(lo, hi);
    }

    private static double number(Map<String, String> metadata, String key, double dflt) throws ModelRejectedException {
        String v = metadata.get(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            double d = Double.parseDouble(v.trim());
            if (!Double.isFinite(d)) {
                throw new ModelRejectedException("contract", key + " is not finite: " + v);
            }
            return d;
        } catch (NumberFormatException e) {
            throw new ModelRejectedException("contract", key + " is not a number: " + v);
        }
    }

    /** Scores {@code n} crops given as one NHWC buffer {@code [n, size, size, 3]}, RGB 0..255. */
    public static float[] score(OnnxSession session, float[] nhwc, int n, int size) throws OrtException {
        if (n == 0) {
            return new float[0];
        }
        return session.runFloat(Map.of(INPUT, FloatTensor.of(nhwc, n, size, size, 3)), OUTPUT).data();
    }

    /**
     * The checks the image-scoring service runs before a version may serve: input {@code image} float32
     * {@code [N, S, S, 3]} with a fixed S, output {@code score} float32 {@code [N, 1]}, a readable scale, and a smoke
     * inference on a batch of flat grey and noisy crops giving one finite score per crop.
     */
    public static void check(OnnxSession session, ModelPublished meta) throws ModelRejectedException {
        ModelSignature s = session.signature();
        if (s.inputs().size() != 1) {
            throw new ModelRejectedException("contract", "an image scorer has 1 input (" + INPUT + "), this model has "
                    + s.inputs());
        }
        TensorSpec in = s.input(INPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no input named '" + INPUT + "': " + s.inputs()));
        if (!in.type().equals("float32") || in.rank() != 4 || in.dim(1) <= 0 || in.dim(1) != in.dim(2)
                || in.dim(3) != 3) {
            throw new ModelRejectedException("contract", "input " + in + " must be float32 [N, S, S, 3] with a fixed S");
        }
        TensorSpec out = s.output(OUTPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no output named '" + OUTPUT + "': " + s.outputs()));
        if (!out.type().equals("float32") || out.rank() != 2 || (out.dim(1) >= 0 && out.dim(1) != 1)) {
            throw new ModelRejectedException("contract", "output " + out + " must be float32 [N, 1]");
        }
        String declared = session.metadata().get(META_SIZE);
        if (declared != null && !declared.isBlank() && !declared.trim().equals(Long.toString(in.dim(1)))) {
            throw new ModelRejectedException("contract", META_SIZE + " = " + declared + " but the input is " + in);
        }
        scale(session.metadata());
        smoke(session, (int) in.dim(1));
    }

    private static void smoke(OnnxSession session, int size) throws ModelRejectedException {
        int n = 2;
        int per = size * size * 3;
        float[] x = new float[n * per];
        java.util.Random rnd = new java.util.Random(17);
        for (int i = 0; i < per; i++) {
            x[i] = 128f;
            x[per + i] = rnd.nextInt(256);
        }
        float[] scores;
        try {
            scores = score(session, x, n, size);
        } catch (OrtException | RuntimeException e) {
            throw new ModelRejectedException("smoke", "smoke inference failed: " + e.getMessage(), e);
        }
        checkScores(scores, n);
    }

    /** A smoke inference of {@code n} crops must give {@code n} finite scores. */
    static void checkScores(float[] scores, int n) throws ModelRejectedException {
        if (scores.length != n) {
            throw new ModelRejectedException("smoke", "smoke inference returned " + scores.length + " values for " + n
                    + " crops");
        }
        for (float v : scores) {
            if (!Float.isFinite(v)) {
                throw new ModelRejectedException("smoke", "smoke inference returned " + v + ", not a finite score");
            }
        }
    }
}
