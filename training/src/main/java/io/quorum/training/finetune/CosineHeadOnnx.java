package io.quorum.training.finetune;

import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.Map;

/**
 * The Siamese cosine head of a fine-tuned encoder as a pair-scorer ONNX model ({@link PairScorerSpec}): inputs
 * {@code left} and {@code right} {@code [N, d]}, output {@code probability = sigmoid(scale * (cos(left, right) -
 * offset))} {@code [N, 1]}. The cosine normalises both sides itself, so it does not rely on the embedder's
 * L2 normalisation.
 */
public final class CosineHeadOnnx {

    private CosineHeadOnnx() {
    }

    public static byte[] build(int dimension, MiniLmFineTuner.Head head, Map<String, String> metadata) {
        OnnxGraph g = OnnxGraph.create("siamese-cosine-head");
        String left = g.input(PairScorerSpec.INPUT_LEFT, dimension);
        String right = g.input(PairScorerSpec.INPUT_RIGHT, dimension);
        String dot = g.reduceSum(g.mul(left, right), true, 1);
        String norms = g.mul(g.sqrt(g.reduceSum(g.mul(left, left), true, 1)), g.sqrt(g.reduceSum(g.mul(right, right), true, 1)));
        String cos = g.div(dot, g.max(norms, g.scalar(1e-12f)));
        String logit = g.mul(g.sub(cos, g.scalar((float) head.offset())), g.scalar((float) head.scale()));
        g.output(g.sigmoid(logit), PairScorerSpec.OUTPUT, -1, 1);
        metadata.forEach(g::metadata);
        return g.toBytes();
    }
}
