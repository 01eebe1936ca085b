package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.inference.InferenceOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Word vectors distilled from MiniLM: every corpus word aligned to its pieces, and related words close. */
class ContextualWordVectorsTest {

    @TempDir
    Path dir;

    /** Cosine similarity; shared by the word-vector tests of this package. */
    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void wordsAreSpelledFromTheirPieces() {
        String[] pieces = {"i", "don", "'", "t", "like", "e", "-", "mail", "##s", ",", "really", "."};
        assertThat(ContextualWordVectors.span("don't", pieces, 1)).containsExactly(1, 4);
        assertThat(ContextualWordVectors.span("like", pieces, 4)).containsExactly(4, 5);
        assertThat(ContextualWordVectors.span("e-mails", pieces, 5)).containsExactly(5, 9);
        assertThat(ContextualWordVectors.span("really", pieces, 9)).as("punctuation skipped").containsExactly(10, 11);
        assertThat(ContextualWordVectors.span("café", pieces, 0)).isNull();
    }

    @Test
    void everyCorpusWordGetsAVectorAndRelatedWordsAreClose() throws Exception {
        List<String> corpus = List.of("I drove my car to work this morning.", "The automobile was parked outside the office.",
                "She ate a banana for breakfast.", "He peeled a ripe banana.", "Don't send e-mails after midnight, please.");
        try (MiniLmEmbedder m = MiniLmEmbedder.load("minilm", Embedders.Bundled.MINILM.extractTo(dir), InferenceOptions.cpu(2))) {
            WordVectors wv = ContextualWordVectors.distill(m, corpus, 2);
            assertThat(wv.dimension()).isEqualTo(384);
            for (String text : corpus) {
                for (String word : WordTokenizer.tokens(text)) {
                    assertThat(wv.contains(word)).as(word).isTrue();
                }
            }
            assertThat(wv.size()).isEqualTo(corpus.stream().flatMap(t -> WordTokenizer.tokens(t).stream()).distinct().count());
            assertThat(cosine(wv.get("car"), wv.get("automobile"))).isGreaterThan(cosine(wv.get("car"), wv.get("banana")));
            // a word seen twice is the mean of its two contexts, so it differs from either sentence's own vector
            WordVectors once = ContextualWordVectors.distill(m, corpus.subList(2, 3), 2);
            assertThat(cosine(wv.get("banana"), once.get("banana"))).isBetween(0.8, 0.9999);
        }
    }
}
