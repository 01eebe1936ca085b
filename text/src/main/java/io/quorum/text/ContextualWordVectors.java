package io.quorum.text;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Static word vectors distilled from MiniLM's contextual token vectors (Bommasani et al., ACL 2020, "Interpreting
 * pretrained contextualized representations via reductions to static embeddings"): every corpus text goes through
 * MiniLM once; each occurrence of a word ({@link WordTokenizer}'s tokens) gets the mean of its word pieces' output
 * vectors, and the word's vector is the mean over its occurrences in the corpus. The result is an ordinary word-vector
 * table for the seed's TF-IDF-weighted mean: no file to download, a vector for every corpus word, and the sense the
 * corpus uses it in. Words whose pieces cannot be found in the text's tokenisation (rare: accents MiniLM strips) get
 * none and count as out of vocabulary.
 */
public final class ContextualWordVectors {

    /** How many pieces after the previous word the next word's first piece may start (skipping punctuation). */
    private static final int LOOKAHEAD = 12;

    private ContextualWordVectors() {
    }

    /** Distils word vectors from {@code minilm} over {@code corpus}, {@code batch} texts per inference call. */
    public static WordVectors distill(MiniLmEmbedder minilm, List<String> corpus, int batch) {
        Map<String, double[]> sums = new HashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        int dim = minilm.dimension();
        for (int from = 0; from < corpus.size(); from += batch) {
            List<String> part = corpus.subList(from, Math.min(corpus.size(), from + batch));
            List<MiniLmEmbedder.TokenVectors> out = minilm.tokenVectors(part);
            for (int i = 0; i < part.size(); i++) {
                add(WordTokenizer.tokens(part.get(i)), out.get(i), sums, counts, dim);
            }
        }
        Map<String, float[]> vectors = new HashMap<>();
        sums.forEach((word, sum) -> {
            int n = counts.get(word);
            float[] v = new float[dim];
            for (int d = 0; d < dim; d++) {
                v[d] = (float) (sum[d] / n);
            }
            vectors.put(word, v);
        });
        return new WordVectors(vectors, dim);
    }

    private static void add(List<String> words, MiniLmEmbedder.TokenVectors tv, Map<String, double[]> sums,
                            Map<String, Integer> counts, int dim) {
        String[] pieces = tv.pieces();
        int next = 0;
        for (String word : words) {
            int[] span = span(word, pieces, next);
            if (span == null) {
                continue;
            }
            double[] sum = sums.computeIfAbsent(word, w -> new double[dim]);
            int len = span[1] - span[0];
            for (int t = span[0]; t < span[1]; t++) {
                float[] v = tv.tokens()[t];
                for (int d = 0; d < dim; d++) {
                    sum[d] += v[d] / len;
                }
            }
            counts.merge(word, 1, Integer::sum);
            next = span[1];
        }
    }

    /**
     * The pieces {@code [start, end)} at or after {@code from} that spell {@code word} ({@code ##} continuation marks
     * dropped; "don't" is the pieces {@code don ' t}), or null.
     */
    static int[] span(String word, String[] pieces, int from) {
        for (int k = from; k < pieces.length && k < from + LOOKAHEAD; k++) {
            String first = text(pieces[k]);
            if (first.isEmpty() || !word.startsWith(first)) {
                continue;
            }
            StringBuilder spelled = new StringBuilder(first);
            int end = k + 1;
            while (spelled.length() < word.length() && end < pieces.length) {
                String piece = text(pieces[end]);
                if (piece.isEmpty() || !word.startsWith(piece, spelled.length())) {
                    break;
                }
                spelled.append(piece);
                end++;
            }
            if (spelled.length() == word.length()) {
                return new int[] {k, end};
            }
        }
        return null;
    }

    private static String text(String piece) {
        return piece.startsWith("##") ? piece.substring(2) : piece;
    }
}
