package io.quorum.text;

import ai.onnxruntime.OrtException;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.LongTensor;
import io.quorum.shared.inference.OnnxSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs a {@link TfidfW2vModel}: tokenizes, looks tokens up in the vocabulary (unknown tokens are skipped and
 * counted in {@link #oov()}), weighs each occurrence by its IDF (so a token's weight is tf x idf) or by 1 for plain
 * means, and lets ONNX Runtime sum the vectors. A text without any known token becomes the zero vector.
 */
public final class TfidfW2vEmbedder implements Embedder {

    private final String name;
    private final OnnxSession session;
    private final Vocabulary vocab;
    private final boolean tfidf;
    private final int dim;
    private final OovStats oov = new OovStats();

    public TfidfW2vEmbedder(String name, OnnxSession session, Vocabulary vocab) {
        this.name = name;
        this.session = session;
        this.vocab = vocab;
        this.tfidf = !"mean".equals(session.metadata().get(TfidfW2vModel.META_WEIGHTING));
        this.dim = (int) session.signature().output(TfidfW2vModel.OUTPUT).orElseThrow().dim(1);
    }

    /** Loads {@code model.onnx} and {@code vocab.tsv} from {@code dir}. */
    public static TfidfW2vEmbedder load(String name, Path dir, InferenceOptions options) throws IOException, OrtException {
        Vocabulary vocab = Vocabulary.read(dir.resolve(Vocabulary.FILE));
        return new TfidfW2vEmbedder(name, OnnxSession.open(dir.resolve("model.onnx"), options), vocab);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int dimension() {
        return dim;
    }

    @Override
    public OovStats oov() {
        return oov;
    }

    public boolean tfidfWeighted() {
        return tfidf;
    }

    @Override
    public float[][] embed(List<String> texts) {
        int n = texts.size();
        List<int[]> ids = new ArrayList<>(n);
        int maxLen = 1;
        for (String t : texts) {
            List<String> tokens = WordTokenizer.tokens(t);
            int[] known = new int[tokens.size()];
            int k = 0;
            for (String tok : tokens) {
                int id = vocab.id(tok);
                if (id > 0) {
                    known[k++] = id;
                }
            }
            oov.record(tokens.size(), tokens.size() - k);
            int[] row = java.util.Arrays.copyOf(known, k);
            ids.add(row);
            maxLen = Math.max(maxLen, k);
        }
        long[] idData = new long[n * maxLen];
        float[] weights = new float[n * maxLen];
        for (int i = 0; i < n; i++) {
            int[] row = ids.get(i);
            for (int j = 0; j < row.length; j++) {
                idData[i * maxLen + j] = row[j];
                weights[i * maxLen + j] = tfidf ? vocab.idf(row[j]) : 1f;
            }
        }
        try {
            float[] out = session.runFloat(Map.of(TfidfW2vModel.INPUT_IDS, LongTensor.of(idData, n, maxLen),
                    TfidfW2vModel.INPUT_WEIGHTS, FloatTensor.of(weights, n, maxLen)), TfidfW2vModel.OUTPUT).data();
            float[][] result = new float[n][];
            for (int i = 0; i < n; i++) {
                result[i] = java.util.Arrays.copyOfRange(out, i * dim, (i + 1) * dim);
            }
            return result;
        } catch (OrtException e) {
            throw new IllegalStateException("tfidf-w2v inference failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
