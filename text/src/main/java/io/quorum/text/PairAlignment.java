package io.quorum.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Interaction features of a text pair from each side's contextual token vectors ({@link MiniLmEmbedder#tokenVectors}):
 * every token is aligned to its most similar token on the other side (greedy cosine matching, as in BERTScore), and
 * the coverage of each side, IDF-weighted coverage, unaligned content and plain lexical overlap (words, n-grams,
 * numbers, length) become a small feature vector. All features are symmetric in the two sides.
 *
 * <p>Why: MRPC's negatives differ from their positives by a number, a name or a clause, which a pooled sentence
 * vector averages away (a sentence-vector Siamese tops out near the raw cosine, ~0.73 accuracy); token alignment
 * sees the unmatched piece. Used by the ablation's {@code align-lr} row; not yet served.
 */
public final class PairAlignment {

    /** Feature names, in the order of {@link #features}. */
    public static final List<String> NAMES = List.of(
            "cosine", "cover_min", "cover_max", "cover_f1", "idf_cover_min", "idf_cover_max", "idf_cover_f1",
            "worst_token_sim", "unaligned_idf_max", "unaligned_idf_min", "below_0.5_max", "below_0.7_max",
            "below_0.7_min", "word_jaccard", "word_cover_min", "word_cover_max", "bigram_dice", "trigram_dice",
            "lcs_ratio", "number_mismatches", "numbers_equal", "length_ratio", "length_diff");

    private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");
    /** A token whose best match on the other side is below this cosine counts as unaligned. */
    static final double UNALIGNED = 0.6;

    private PairAlignment() {
    }

    /** Inverse document frequency of word pieces, fitted on a corpus; unseen pieces get the highest value. */
    public static ToDoubleFunction<String> idf(List<String[]> documents) {
        Map<String, Integer> df = new HashMap<>();
        for (String[] doc : documents) {
            for (String piece : new HashSet<>(List.of(doc))) {
                df.merge(piece, 1, Integer::sum);
            }
        }
        double d = documents.size();
        return piece -> Math.log((d + 1) / (df.getOrDefault(piece, 0) + 1));
    }

    /**
     * The IDF-independent part of a pair: each side's pieces with their best match on the other side, and the
     * sentence cosine. Small enough to keep for a whole data set while token vectors are not.
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
    public static double[] features(String textA, MiniLmEmbedder.TokenVectors a, String textB,
                                    MiniLmEmbedder.TokenVectors b, ToDoubleFunction<String> idf) {
        return features(textA, textB, align(a, b), idf);
    }

    /** The features of one aligned pair: {@link #NAMES}, in order. */
    public static double[] features(String textA, String textB, Aligned x, ToDoubleFunction<String> idf) {
        Side sa = Side.of(x.piecesA(), x.bestA(), idf);
        Side sb = Side.of(x.piecesB(), x.bestB(), idf);
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
        return new double[] {
                cosine,
                Math.min(sa.cover, sb.cover), Math.max(sa.cover, sb.cover), harmonic(sa.cover, sb.cover),
                Math.min(sa.idfCover, sb.idfCover), Math.max(sa.idfCover, sb.idfCover), harmonic(sa.idfCover, sb.idfCover),
                Math.min(sa.worst, sb.worst),
                Math.max(sa.unalignedIdf, sb.unalignedIdf), Math.min(sa.unalignedIdf, sb.unalignedIdf),
                Math.max(sa.below05, sb.below05), Math.max(sa.below07, sb.below07), Math.min(sa.below07, sb.below07),
                common.size() / (double) Math.max(1, union.size()), Math.min(coverWa, coverWb), Math.max(coverWa, coverWb),
                ngramDice(wa, wb, 2), ngramDice(wa, wb, 3),
                lcs(wa, wb) / (double) Math.max(1, Math.max(wa.size(), wb.size())),
                onlyA.size() + onlyB.size(), na.equals(nb) ? 1 : 0,
                Math.min(la, lb) / Math.max(la, lb), Math.abs(la - lb)};
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
    private record Side(double cover, double idfCover, double worst, double unalignedIdf, double below05, double below07) {
        static Side of(String[] pieces, double[] best, ToDoubleFunction<String> idf) {
            if (pieces.length == 0) {
                return new Side(0, 0, 0, 1, 1, 1);
            }
            double sum = 0;
            double idfSum = 0;
            double idfWeighted = 0;
            double unaligned = 0;
            double worst = 1;
            int below05 = 0;
            int below07 = 0;
            for (int i = 0; i < pieces.length; i++) {
                double w = idf.applyAsDouble(pieces[i]);
                sum += best[i];
                idfSum += w;
                idfWeighted += w * best[i];
                worst = Math.min(worst, best[i]);
                if (best[i] < UNALIGNED) {
                    unaligned += w;
                }
                below05 += best[i] < 0.5 ? 1 : 0;
                below07 += best[i] < 0.7 ? 1 : 0;
            }
            double n = pieces.length;
            double norm = Math.max(idfSum, 1e-12);
            return new Side(sum / n, idfWeighted / norm, worst, unaligned / norm, below05 / n, below07 / n);
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

    /** Pieces of each text, for fitting {@link #idf}. */
    public static List<String[]> pieces(List<MiniLmEmbedder.TokenVectors> texts) {
        List<String[]> out = new ArrayList<>(texts.size());
        for (MiniLmEmbedder.TokenVectors t : texts) {
            out.add(t.pieces());
        }
        return out;
    }
}
