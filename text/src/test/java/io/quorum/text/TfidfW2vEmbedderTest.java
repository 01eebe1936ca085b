package io.quorum.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.testing.TestData;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TF-IDF weighting and out-of-vocabulary handling, checked by hand; the GloVe subset read for real. */
class TfidfW2vEmbedderTest {

    private static final WordVectors VECTORS = new WordVectors(Map.of(
            "a", new float[] {1, 0}, "b", new float[] {0, 1}, "c", new float[] {1, 1}, "unused", new float[] {9, 9}), 2);
    private static final List<String> CORPUS = List.of("a b", "a c", "a");

    private static TfidfW2vEmbedder embedder(String weighting) throws Exception {
        Vocabulary v = Vocabulary.build(CORPUS, VECTORS::contains);
        byte[] onnx = TfidfW2vModel.build(v, VECTORS, weighting, Map.of());
        return new TfidfW2vEmbedder("tfidf-w2v", OnnxSession.open(onnx, InferenceOptions.cpu(1)), v);
    }

    @Test
    void idfIsSmoothedAndVocabularyKeepsOnlyWordsWithVectors() {
        Vocabulary v = Vocabulary.build(List.of("a b zz", "a c", "a"), VECTORS::contains);
        assertThat(v.size()).isEqualTo(3);
        assertThat(v.id("zz")).isZero();
        assertThat(v.idf(v.id("a"))).isCloseTo(1f, within(1e-6f)); // in every document
        assertThat(v.idf(v.id("b"))).isCloseTo((float) (Math.log(4.0 / 2.0) + 1), within(1e-6f));
    }

    @Test
    void sentenceVectorIsTheTfidfWeightedMean() throws Exception {
        try (TfidfW2vEmbedder e = embedder("tfidf")) {
            float idfA = 1f;
            float idfB = (float) (Math.log(4.0 / 2.0) + 1);
            // "a b b x": a once, b twice, x unknown
            float[] v = e.embed(List.of("A b, b x"))[0];
            float wa = idfA;
            float wb = 2 * idfB;
            assertThat(v[0]).isCloseTo(wa / (wa + wb), within(1e-6f));
            assertThat(v[1]).isCloseTo(wb / (wa + wb), within(1e-6f));
            assertThat(e.oov().tokens()).isEqualTo(4);
            assertThat(e.oov().unknownTokens()).isEqualTo(1);
        }
    }

    @Test
    void plainMeanAndAllUnknownTexts() throws Exception {
        try (TfidfW2vEmbedder e = embedder("mean")) {
            assertThat(e.tfidfWeighted()).isFalse();
            float[][] out = e.embed(List.of("a c", "nothing known here"));
            assertThat(out[0]).containsExactly(1f, 0.5f);
            assertThat(out[1]).containsExactly(0f, 0f);
            assertThat(e.oov().textsWithoutKnownTokens()).isEqualTo(1);
            assertThat(e.oov().unknownRate()).isCloseTo(3.0 / 5, within(1e-9));
        }
    }

    @Test
    void readsTheGloveSubset() throws Exception {
        WordVectors glove = WordVectors.read(TestData.require("glove-6B-50d-subset/glove.6B.50d.first2445.txt"));
        assertThat(glove.dimension()).isEqualTo(50);
        // a few tokens of the file are not valid UTF-8 (stray Windows-1252 punctuation) and decode to the same U+FFFD
        assertThat(glove.size()).isBetween(2440, 2445);
        assertThat(glove.contains("the")).isTrue();
    }
}
