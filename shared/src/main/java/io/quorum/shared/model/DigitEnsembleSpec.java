package io.quorum.shared.model;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;

/**
 * The serving contract of ensembles of image classifiers fused into one ONNX graph ({@code digit-ensemble}), on top of
 * {@link DigitClassifierSpec}, which they satisfy as a whole: every member side by side in one graph, one session, one
 * call per batch.
 *
 * <ul>
 *   <li>{@code model.onnx}: input {@value DigitClassifierSpec#INPUT} float32 {@code [N, H*W]}; outputs {@value #MEMBERS}
 *       float32 {@code [N, M, C]} (image first, then member, then class: every member's softmax) and
 *       {@value DigitClassifierSpec#OUTPUT} float32 {@code [N, C]}, the members' mean (so any classifier client, the
 *       adversarial service included, scores the mean-probability ensemble).</li>
 *   <li>{@value DigitClassifierSpec#GRADIENT_ARTIFACT}: the exact input gradient of the <b>mean-probability</b>
 *       ensemble's cross-entropy {@code -log(mean_m p_m(y|x))}: the contract of {@link DigitClassifierSpec} (inputs
 *       {@code x}, one-hot {@code labels}; outputs {@code probabilities} (the mean), {@code loss}, {@code gradient}).</li>
 *   <li>metadata (both graphs): {@value #META_MEMBERS} (M), {@value #META_MEMBER_NAMES} (comma-separated, member order),
 *       and when the job calibrated a detector, {@value #META_THRESHOLD} (a threshold on the {@value #SCORE} score),
 *       {@value #META_FPR} (the false-positive rate on clean validation images it was set for) and
 *       {@value #META_SCORE}. The same keys are the version's properties.</li>
 * </ul>
 */
public final class DigitEnsembleSpec {

    public static final String MODEL_NAME = "digit-ensemble";
    /** Output: every member's probabilities, {@code [N, M, C]}. */
    public static final String MEMBERS = "members";
    /** Metadata: the number of members M. */
    public static final String META_MEMBERS = "quorum.ensemble.members";
    /** Metadata: the members' names ({@code m0,m1,...,baseline}), comma-separated, in output order. */
    public static final String META_MEMBER_NAMES = "quorum.ensemble.member.names";
    /** Metadata: how the members were trained ({@code uniform} or {@code bootstrap}). */
    public static final String META_MODE = "quorum.ensemble.mode";
    /** Metadata: the detector's threshold; a digit whose disagreement exceeds it is a suspected adversarial. */
    public static final String META_THRESHOLD = "quorum.ensemble.disagreement.threshold";
    /** Metadata: the false-positive rate on clean validation images the threshold was calibrated for. */
    public static final String META_FPR = "quorum.ensemble.disagreement.fpr";
    /** Metadata: the disagreement score the threshold applies to ({@value #SCORE}). */
    public static final String META_SCORE = "quorum.ensemble.disagreement.score";
    /** The disagreement score: the mutual information between vote and member, {@code H(mean) - mean_m H(p_m)}, nats. */
    public static final String SCORE = "mutual-information";

    private DigitEnsembleSpec() {
    }

    /** Members in the ensemble ({@code members} output's second dimension). */
    public static int members(ModelSignature signature) {
        return (int) signature.output(MEMBERS).orElseThrow().dim(1);
    }

    /** The member names from the metadata ({@code m0..m(M-1)} when absent). */
    public static List<String> memberNames(Map<String, String> metadata, int members) {
        String names = metadata.get(META_MEMBER_NAMES);
        if (names == null || names.isBlank() || names.split(",").length != members) {
            return java.util.stream.IntStream.range(0, members).mapToObj(i -> "m" + i).toList();
        }
        return List.of(names.split(","));
    }

    /** The calibrated threshold, when the version has one (for {@value #SCORE}). */
    public static OptionalDouble threshold(Map<String, String> metadata) {
        String t = metadata.get(META_THRESHOLD);
        String score = metadata.getOrDefault(META_SCORE, SCORE);
        if (t == null || t.isBlank() || !score.equals(SCORE)) {
            return OptionalDouble.empty();
        }
        double v = Double.parseDouble(t.trim());
        return Double.isFinite(v) ? OptionalDouble.of(v) : OptionalDouble.empty();
    }

    /** Every member's probabilities of each image: {@code [N][M][C]}. */
    public static float[][][] memberProbabilities(OnnxSession session, float[][] images) throws OrtException {
        if (images.length == 0) {
            return new float[0][][];
        }
        FloatTensor t = session.runFloat(Map.of(DigitClassifierSpec.INPUT, FloatTensor.matrix(images)), MEMBERS);
        return split(t.data(), images.length, (int) t.shape()[1], (int) t.shape()[2]);
    }

    /** Both outputs of one call: the members' probabilities {@code [N][M][C]} and their mean {@code [N][C]}. */
    public record Scores(float[][][] members, float[][] mean) {
    }

    /** The members' probabilities and their mean, from one call. */
    public static Scores scores(OnnxSession session, float[][] images) throws OrtException {
        if (images.length == 0) {
            return new Scores(new float[0][][], new float[0][]);
        }
        Map<String, Tensor> out = session.run(Map.of(DigitClassifierSpec.INPUT, FloatTensor.matrix(images)), MEMBERS,
                DigitClassifierSpec.OUTPUT);
        FloatTensor m = (FloatTensor) out.get(MEMBERS);
        return new Scores(split(m.data(), images.length, (int) m.shape()[1], (int) m.shape()[2]),
                ((FloatTensor) out.get(DigitClassifierSpec.OUTPUT)).rows());
    }

    private static float[][][] split(float[] flat, int n, int m, int c) {
        float[][][] out = new float[n][m][c];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < m; k++) {
                System.arraycopy(flat, (i * m + k) * c, out[i][k], 0, c);
            }
        }
        return out;
    }

    /**
     * The checks a service runs before an ensemble version may serve: the classifier contract, a {@code members} output
     * {@code [N, M, C]} agreeing with the metadata and the classes, a readable threshold, and a smoke inference whose
     * {@code probabilities} is the mean of its {@code members}.
     */
    public static void check(OnnxSession session, ModelPublished meta) throws ModelRejectedException {
        DigitClassifierSpec.check(session, meta);
        ModelSignature s = session.signature();
        TensorSpec out = s.output(MEMBERS).orElseThrow(() -> new ModelRejectedException("contract",
                "no output named '" + MEMBERS + "' (an ensemble gives every member's probabilities): " + s.outputs()));
        int classes = DigitClassifierSpec.classes(s);
        if (!out.type().equals("float32") || out.rank() != 3 || out.dim(1) < 1 || out.dim(2) != classes) {
            throw new ModelRejectedException("contract", "output " + out + " must be float32 [N, M, " + classes + "]");
        }
        String declared = session.metadata().get(META_MEMBERS);
        if (declared != null && !declared.trim().equals(Long.toString(out.dim(1)))) {
            throw new ModelRejectedException("contract", META_MEMBERS + " says " + declared + " members, the graph has "
                    + out.dim(1));
        }
        try {
            threshold(session.metadata());
        } catch (NumberFormatException e) {
            throw new ModelRejectedException("contract", META_THRESHOLD + " is not a number: " + e.getMessage());
        }
        Random rnd = new Random(29);
        float[][] x = new float[2][DigitClassifierSpec.inputSize(s)];
        for (float[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = rnd.nextFloat();
            }
        }
        try {
            Scores sc = scores(session, x);
            for (int i = 0; i < x.length; i++) {
                for (int c = 0; c < classes; c++) {
                    double mean = 0;
                    for (float[] member : sc.members()[i]) {
                        mean += member[c];
                    }
                    mean /= sc.members()[i].length;
                    if (!(Math.abs(mean - sc.mean()[i][c]) <= 1e-4)) {
                        throw new ModelRejectedException("smoke", "'" + DigitClassifierSpec.OUTPUT + "' is not the mean of '"
                                + MEMBERS + "' (" + sc.mean()[i][c] + " vs " + mean + ")");
                    }
                }
            }
        } catch (OrtException | RuntimeException e) {
            throw new ModelRejectedException("smoke", "smoke inference of '" + MEMBERS + "' failed: " + e.getMessage(), e);
        }
    }
}
