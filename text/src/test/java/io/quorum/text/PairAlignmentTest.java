package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.quorum.shared.inference.InferenceOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token alignment and lexical overlap features of a pair, on real MiniLM token vectors. */
class PairAlignmentTest {

    @TempDir
    static Path dir;
    static MiniLmEmbedder minilm;

    @BeforeAll
    static void load() throws Exception {
        minilm = MiniLmEmbedder.load("minilm", Embedders.Bundled.MINILM.extractTo(dir.resolve("fp32")), InferenceOptions.cpu(2));
    }

    @AfterAll
    static void close() {
        minilm.close();
    }

    static double f(float[] features, String name) {
        return features[PairAlignment.NAMES.indexOf(name)];
    }

    @Test
    void tokenVectorsAreTheUnitRowsBehindTheSentenceVector() {
        List<String> texts = List.of("How do I learn Java?", "Yucaipa owned Dominick's before selling the chain to Safeway.");
        List<MiniLmEmbedder.TokenVectors> t = minilm.tokenVectors(texts);
        float[][] pooled = minilm.embed(texts);
        assertThat(t.get(0).pieces()).containsExactly("how", "do", "i", "learn", "java", "?");
        for (int i = 0; i < texts.size(); i++) {
            assertThat(t.get(i).tokens()).hasNumberOfRows(t.get(i).pieces().length);
            for (float[] row : t.get(i).tokens()) {
                assertThat(MiniLmEmbedderTest.cos(row, row)).isCloseTo(1.0, offset(1e-5));
            }
            for (int d = 0; d < pooled[i].length; d++) {
                assertThat(t.get(i).sentence()[d]).isCloseTo(pooled[i][d], offset(1e-5f));
            }
        }
    }

    @Test
    void identicalTextsAlignFullyAndTheFeaturesAreSymmetric() {
        String a = "Yucaipa owned Dominick's before selling the chain to Safeway in 1998 for $2.5 billion.";
        String b = "Yucaipa bought Dominick's in 1995 for $693 million and sold it to Safeway for $1.8 billion in 1998.";
        List<MiniLmEmbedder.TokenVectors> t = minilm.tokenVectors(List.of(a, b));

        float[] same = PairAlignment.features(a, t.get(0), a, t.get(0));
        assertThat(same).hasSize(PairAlignment.NAMES.size());
        assertThat(f(same, "cover_min")).isCloseTo(1.0, offset(1e-5));
        assertThat(f(same, "cover_f1")).isCloseTo(1.0, offset(1e-5));
        assertThat(f(same, "word_jaccard")).isEqualTo(1.0);
        assertThat(f(same, "lcs_ratio")).isEqualTo(1.0);
        assertThat(f(same, "unaligned_max")).isEqualTo(0.0);
        assertThat(f(same, "number_mismatches")).isEqualTo(0.0);
        assertThat(f(same, "numbers_equal")).isEqualTo(1.0);

        float[] ab = PairAlignment.features(a, t.get(0), b, t.get(1));
        float[] ba = PairAlignment.features(b, t.get(1), a, t.get(0));
        for (int i = 0; i < ab.length; i++) {
            assertThat(ab[i]).as(PairAlignment.NAMES.get(i)).isCloseTo(ba[i], offset(1e-6f));
        }
        assertThat(f(ab, "cover_min")).isLessThan(f(ab, "cover_max")).isLessThan(1.0);
        // 2.5 and 1.8 on one side, 1995, 693 and 1.8 on the other; 1998 is shared
        assertThat(f(ab, "number_mismatches")).isEqualTo(4.0);
        assertThat(f(ab, "numbers_equal")).isEqualTo(0.0);
        // the batch helper pairs lefts with rights
        float[][] batch = PairAlignment.features(minilm, List.of(a, a), List.of(b, a));
        for (int i = 0; i < ab.length; i++) {
            assertThat(batch[0][i]).isCloseTo(ab[i], offset(1e-5f));
            assertThat(batch[1][i]).isCloseTo(same[i], offset(1e-5f));
        }
    }

    @Test
    void lexicalHelpers() {
        assertThat(PairAlignment.numbers("paid 1,200 dollars, not 1.2 or 12")).containsExactlyInAnyOrder("1200", "1.2", "12");
        List<String> x = WordTokenizer.tokens("the cat sat on the mat");
        List<String> y = WordTokenizer.tokens("the cat lay on a mat");
        assertThat(PairAlignment.lcs(x, y)).isEqualTo(4); // the cat on mat
        assertThat(PairAlignment.ngramDice(x, y, 2)).isCloseTo(2.0 * 1 / (5 + 5), offset(1e-12)); // "the cat"
        assertThat(PairAlignment.ngramDice(List.of("one"), y, 2)).isZero();
    }
}
