package io.quorum.text;

import io.quorum.shared.onnx.DataType;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.List;
import java.util.Map;

/**
 * The seed's sentence vector as an ONNX model: the TF-IDF-weighted mean of word vectors. The word-vector table is
 * an initializer (row 0 is the zero vector for padding); the tokenizer-side work (token ids and TF-IDF weights) is
 * done by {@link TfidfW2vEmbedder} with the {@link Vocabulary} stored beside the model.
 * <pre>
 *   token_ids int64 [N, L], token_weights float32 [N, L]
 *   embedding = sum_l w[n,l] * E[ids[n,l]] / max(sum_l w[n,l], eps)      -> float32 [N, D]
 * </pre>
 */
public final class TfidfW2vModel {

    public static final String INPUT_IDS = "token_ids";
    public static final String INPUT_WEIGHTS = "token_weights";
    public static final String OUTPUT = "embedding";
    public static final String KIND = "tfidf-w2v";
    /** Metadata key: {@code tfidf} or {@code mean} (every known token weighs 1). */
    public static final String META_WEIGHTING = "quorum.embedder.weighting";

    private TfidfW2vModel() {
    }

    /** The ONNX bytes for {@code vocab} with vectors from {@code vectors}. */
    public static byte[] build(Vocabulary vocab, WordVectors vectors, String weighting, Map<String, String> metadata) {
        int dim = vectors.dimension();
        String[] tokens = vocab.tokensById();
        float[] table = new float[tokens.length * dim];
        for (int id = 1; id < tokens.length; id++) {
            float[] v = vectors.get(tokens[id]);
            if (v == null) {
                throw new IllegalArgumentException("no vector for vocabulary token '" + tokens[id] + "'");
            }
            System.arraycopy(v, 0, table, id * dim, dim);
        }
        OnnxGraph g = OnnxGraph.create("tfidf-w2v");
        String ids = g.inputExact(INPUT_IDS, DataType.INT64, -1, -1);
        String weights = g.inputExact(INPUT_WEIGHTS, DataType.FLOAT, -1, -1);
        String e = g.weights("word_vectors", table, tokens.length, dim);
        String gathered = g.node("Gather", List.of(e, ids), Map.of("axis", 0L));
        String w3 = g.node("Unsqueeze", List.of(weights, g.int64Vector(2)), Map.of());
        String num = g.reduceSum(g.mul(gathered, w3), false, 1);
        String den = g.reduceSum(weights, true, 1);
        g.output(g.div(num, g.max(den, g.scalar(1e-12f))), OUTPUT, -1, dim);
        g.metadata(Embedders.META_KIND, KIND);
        g.metadata(META_WEIGHTING, weighting);
        metadata.forEach(g::metadata);
        return g.toBytes();
    }
}
