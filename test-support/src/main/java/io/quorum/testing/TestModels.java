package io.quorum.testing;

import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.onnx.OnnxGraph;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/**
 * Real pair-scoring models built with the ONNX writer: a Siamese tower shared by both sides (Gemm + ReLU), a head on
 * {@code |a - b|} and {@code a * b} (Gemm + Sigmoid). Weights are seeded, so two builds with the same seed are
 * identical and different seeds give different scores.
 */
public final class TestModels {

    private TestModels() {
    }

    /** A pair scorer for {@code dim}-long vectors with {@code hidden} tower units. */
    public static OnnxGraph pairScorer(int dim, int hidden, long seed, double threshold) {
        Random rnd = new Random(seed);
        OnnxGraph g = OnnxGraph.create("test-pair-scorer");
        String left = g.input(PairScorerSpec.INPUT_LEFT, dim);
        String right = g.input(PairScorerSpec.INPUT_RIGHT, dim);
        String w1 = g.weights("tower_W", gaussian(rnd, dim * hidden, Math.sqrt(2.0 / dim)), dim, hidden);
        String b1 = g.weights("tower_b", gaussian(rnd, hidden, 0.1), hidden);
        String a = g.relu(g.gemm(left, w1, b1));
        String b = g.relu(g.gemm(right, w1, b1));
        String features = g.concat(1, g.abs(g.sub(a, b)), g.mul(a, b));
        String w2 = g.weights("head_W", gaussian(rnd, 2 * hidden, Math.sqrt(1.0 / hidden)), 2 * hidden, 1);
        String b2 = g.weights("head_b", new float[] {(float) rnd.nextGaussian() * 0.1f}, 1);
        g.output(g.sigmoid(g.gemm(features, w2, b2)), PairScorerSpec.OUTPUT, -1, 1);
        g.metadata(PairScorerSpec.META_THRESHOLD, Double.toString(threshold));
        return g;
    }

    /**
     * A pair aligner: logistic regression {@code sigmoid(w·x + b)} on {@code weights.length} features of
     * {@code featureSet}, embedder {@code minilm}.
     */
    public static OnnxGraph pairAligner(float[] weights, float bias, String featureSet, double threshold) {
        OnnxGraph g = OnnxGraph.create("test-pair-aligner");
        int k = weights.length;
        String x = g.input(io.quorum.shared.model.PairAlignerSpec.INPUT, k);
        String w = g.weights("W", weights, k, 1);
        String b = g.weights("b", new float[] {bias}, 1);
        g.output(g.sigmoid(g.gemm(x, w, b)), io.quorum.shared.model.PairAlignerSpec.OUTPUT, -1, 1);
        g.metadata(PairScorerSpec.META_THRESHOLD, Double.toString(threshold));
        g.metadata(io.quorum.shared.model.PairAlignerSpec.META_FEATURES, featureSet);
        g.metadata(PairScorerSpec.META_EMBEDDER, "minilm");
        return g;
    }

    public static Path writePairScorer(Path file, int dim, int hidden, long seed) throws IOException {
        return pairScorer(dim, hidden, seed, 0.5).write(file);
    }

    public static float[] gaussian(Random rnd, int n, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * std);
        }
        return v;
    }
}
