package io.quorum.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Interaction features of a text pair from each side's contextual token vectors ({@link MiniLmEmbedder#tokenVectors}):
 * every token is aligned to its most similar token on the other side (greedy cosine matching, as in BERTScore), and
 * the coverage of each side, unaligned content and plain lexical overlap (words, n-grams, numbers, length) become a
 * small feature vector. All features are symmetric in the two sides.
 *
 * <p>Why: MRPC's negatives differ from their positives by a number, a name or a clause, which a pooled sentence
 * vector averages away (a sentence-vector Siamese tops out near the raw cosine, ~0.73 accuracy); token alignment
 * sees the unmatched piece. The embedding service attaches them to every MiniLM {@code PairEmbedded}; the
 * {@code pair-aligner} model scores them.
 */
public final class PairAlignment {

    /** Feature names, in the order of {@link #features}. */
    public static final List<String> NAMES = List.of(
            "cosine", "cover_min", "cover_max", "cover_f1", "worst_token_sim", "unaligned_max", "unaligned_min",
            "below_0.5_max", "below_0.7_max", "below_0.7_min", "word_jaccard", "word_cover_min", "word_cover_max",
            "bigram_dice", "trigram_dice", "lcs_ratio", "number_mismatches", "numbers_equal", "length_ratio",
            "length_diff");

    /**
     * Name of this feature set, carried by every {@code PairEmbedded} that has features and stored in every model
     * trained on them: a model is only fed the features it was trained on. The features need no fitted state (an
     * IDF-weighted variant scored the same on MRPC, 0.764 vs 0.765), so the embedding service computes them alone.
     */
    public static final String FEATURE_SET = "align-v1";

    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    /** A token whose best match on the other side is below this cosine counts as unaligned. */
    static final double UNALIGNED = 0.6;

    private PairAlignment() {
    }

    /**
     * The token-level part of a pair: each side's pieces with their best match on the other side, and the sentence
     * cosine. Small enough to keep for a whole data set while token vectors are not.
     */
    public record Aligned(String[] piecesA, double[] bestA, String[] piecesB, double[] bestB, double cosine) {
    }

    public static Aligned align(MiniLmEmbedder.TokenVectors a, MiniLmEmbedder.TokenVectors b) {
        double cosine = 0;
        for (int d = 0; d < a.sentence().length; d++) {
            cosine += (double) a.sentence()[d] * b.sentence()[d];
        }
        return new Aligned(a.pieces(), bestMatches(a.tokens(), b.tokens()), b.pieces(), bestMatches(b.tokens(), a.tokens()),
                cosine);
    }

    /** The features of one pair: {@link #NAMES}, in order. */
    public static float[] features(String textA, MiniLmEmbedder.TokenVectors a, String textB,
                                   MiniLmEmbedder.TokenVectors b) {
        return features(textA, textB, align(a, b));
    }

    /** The features of one aligned pair: {@link #NAMES}, in order. */
    public static float[] features(String textA, String textB, Aligned x) {
        Side sa = Side.of(x.bestA());
        Side sb = Side.of(x.bestB());
        double cosine = x.cosine();
        List<String> wa = WordTokenizer.tokens(textA);
        List<String> wb = WordTokenizer.tokens(textB);
        Set<String> setA = new HashSet<>(wa);
        Set<String> setB = new HashSet<>(wb);
        Set<String> common = new HashSet<>(setA);
        common.retainAll(setB);
        Set<String> union = new HashSet<>(setA);
        union.addAll(setB);
        double coverWa = common.size() / (double) Math.max(1, setA.size());
        double coverWb = common.size() / (double) Math.max(1, setB.size());
        Set<String> na = numbers(textA);
        Set<String> nb = numbers(textB);
        Set<String> onlyA = new HashSet<>(na);
        onlyA.removeAll(nb);
        Set<String> onlyB = new HashSet<>(nb);
        onlyB.removeAll(na);
        double la = Math.max(1, x.piecesA().length);
        double lb = Math.max(1, x.piecesB().length);
        double[] f = {
                cosine,
                Math.min(sa.cover, sb.cover), Math.max(sa.cover, sb.cover), harmonic(sa.cover, sb.cover),
                Math.min(sa.worst, sb.worst),
                Math.max(sa.unaligned, sb.unaligned), Math.min(sa.unaligned, sb.unaligned),
                Math.max(sa.below05, sb.below05), Math.max(sa.below07, sb.below07), Math.min(sa.below07, sb.below07),
                common.size() / (double) Math.max(1, union.size()), Math.min(coverWa, coverWb), Math.max(coverWa, coverWb),
                ngramDice(wa, wb, 2), ngramDice(wa, wb, 3),
                lcs(wa, wb) / (double) Math.max(1, Math.max(wa.size(), wb.size())),
                onlyA.size() + onlyB.size(), na.equals(nb) ? 1 : 0,
                Math.min(la, lb) / Math.max(la, lb), Math.abs(la - lb)};
        float[] out = new float[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = (float) f[i];
        }
        return out;
    }

    /** The features of each pair {@code (lefts[i], rights[i])}, embedding both sides' tokens with {@code minilm}. */
    public static float[][] features(MiniLmEmbedder minilm, List<String> lefts, List<String> rights) {
        List<String> texts = new ArrayList<>(lefts.size() * 2);
        for (int i = 0; i < lefts.size(); i++) {
            texts.add(lefts.get(i));
            texts.add(rights.get(i));
        }
        List<MiniLmEmbedder.TokenVectors> t = minilm.tokenVectors(texts);
        float[][] out = new float[lefts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = features(lefts.get(i), t.get(2 * i), rights.get(i), t.get(2 * i + 1));
        }
        return out;
    }

    /** For each row of {@code from}, the highest cosine with any row of {@code to} (rows are unit vectors). */
    static double[] bestMatches(float[][] from, float[][] to) {
        double[] best = new double[from.length];
        for (int i = 0; i < from.length; i++) {
            double m = to.length == 0 ? 0 : -1;
            for (float[] t : to) {
                double c = 0;
                for (int d = 0; d < t.length; d++) {
                    c += (double) from[i][d] * t[d];
                }
                m = Math.max(m, c);
            }
            best[i] = m;
        }
        return best;
    }

    /** One side's alignment statistics. */
    private record Side(double cover, double worst, double unaligned, double below05, double below07) {
        static Side of(double[] best) {
            if (best.length == 0) {
                return new Side(0, 0, 1, 1, 1);
            }
            double sum = 0;
            double worst = 1;
            int unaligned = 0;
            int below05 = 0;
            int below07 = 0;
            for (double b : best) {
                sum += b;
                worst = Math.min(worst, b);
                unaligned += b < UNALIGNED ? 1 : 0;
                below05 += b < 0.5 ? 1 : 0;
                below07 += b < 0.7 ? 1 : 0;
            }
            double n = best.length;
            return new Side(sum / n, worst, unaligned / n, below05 / n, below07 / n);
        }
    }

    private static double harmonic(double x, double y) {
        return x + y <= 0 ? 0 : 2 * x * y / (x + y);
    }

    /** Numbers as written, thousands separators removed: "1,200" and "1200" match, "1.2" and "12" do not. */
    static Set<String> numbers(String text) {
        Set<String> out = new HashSet<>();
        Matcher m = NUMBER.matcher(text);
        while (m.find()) {
            out.add(m.group().replace(",", ""));
        }
        return out;
    }

    static double ngramDice(List<String> a, List<String> b, int n) {
        Set<String> x = ngrams(a, n);
        Set<String> y = ngrams(b, n);
        if (x.isEmpty() || y.isEmpty()) {
            return 0;
        }
        Set<String> both = new HashSet<>(x);
        both.retainAll(y);
        return 2.0 * both.size() / (x.size() + y.size());
    }

    private static Set<String> ngrams(List<String> words, int n) {
        Set<String> out = new HashSet<>();
        for (int i = 0; i + n <= words.size(); i++) {
            out.add(String.join(" ", words.subList(i, i + n)));
        }
        return out;
    }

    /** Length of the longest common word subsequence. */
    static int lcs(List<String> a, List<String> b) {
        int[] prev = new int[b.size() + 1];
        for (String x : a) {
            int[] cur = new int[b.size() + 1];
            for (int j = 1; j <= b.size(); j++) {
                cur[j] = x.equals(b.get(j - 1)) ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
            }
            prev = cur;
        }
        return prev[b.size()];
    }
}
