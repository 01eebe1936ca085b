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
 * The serving contract of pair-aligner models, which score a pair from the interaction features the embedding service
 * attaches to {@code PairEmbedded} (token alignment and lexical overlap): input {@code features}, float32
 * {@code [N, k]}; output {@code probability}, float32 {@code [N, 1]}; in the ONNX metadata the feature set it was
 * trained on ({@value #META_FEATURES}, required: features of another set are never fed to it), the decision
 * threshold ({@link PairScorerSpec#META_THRESHOLD}) and the embedder ({@link PairScorerSpec#META_EMBEDDER}).
 */
public final class PairAlignerSpec {

    public static final String MODEL_NAME = "pair-aligner";
    public static final String INPUT = "features";
    public static final String OUTPUT = PairScorerSpec.OUTPUT;
    public static final String META_FEATURES = "quorum.pair.features";

    private PairAlignerSpec() {
    }

    /** The number of features the model takes. */
    public static int features(ModelSignature signature) {
        return (int) signature.input(INPUT).orElseThrow().dim(1);
    }

    /** The feature set the model was trained on. */
    public static String featureSet(Map<String, String> metadata) throws ModelRejectedException {
        String f = metadata.get(META_FEATURES);
        if (f == null || f.isBlank()) {
            throw new ModelRejectedException("contract", "a pair aligner names its feature set in metadata " + META_FEATURES);
        }
        return f;
    }

    /** The checks the pair-scoring service runs before a version may serve. */
    public static void check(OnnxSession session, ModelPublished meta) throws ModelRejectedException {
        ModelSignature s = session.signature();
        if (s.inputs().size() != 1) {
            throw new ModelRejectedException("contract", "a pair aligner has 1 input (" + INPUT + "), this model has "
                    + s.inputs());
        }
        TensorSpec in = s.input(INPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no input named '" + INPUT + "': " + s.inputs()));
        if (!in.type().equals("float32") || in.rank() != 2 || in.dim(1) <= 0) {
            throw new ModelRejectedException("contract", "input " + in + " must be float32 [N, k] with a fixed k");
        }
        TensorSpec out = s.output(OUTPUT).orElseThrow(() -> new ModelRejectedException("contract",
                "no output named '" + OUTPUT + "': " + s.outputs()));
        if (!out.type().equals("float32") || out.rank() != 2 || (out.dim(1) >= 0 && out.dim(1) != 1)) {
            throw new ModelRejectedException("contract", "output " + out + " must be float32 [N, 1]");
        }
        featureSet(session.metadata());
        PairScorerSpec.threshold(session.metadata());
        int k = (int) in.dim(1);
        int n = 4;
        Random rnd = new Random(17);
        float[] x = new float[n * k];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        FloatTensor p;
        try {
            p = session.runFloat(Map.of(INPUT, FloatTensor.of(x, n, k)), OUTPUT);
        } catch (OrtException | RuntimeException e) {
            throw new ModelRejectedException("smoke", "smoke inference failed: " + e.getMessage(), e);
        }
        PairScorerSpec.checkProbabilities(p.data(), n);
    }
}
