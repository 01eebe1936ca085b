package io.quorum.pairscoring.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Lucene index of known questions: exact re-ranking, replacement, deletion, commits with their user data. */
class QuestionIndexTest {

    static final int DIM = 16;

    static float[] random(Random r) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    static double cosine(float[] a, float[] b) {
        double d = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return d / Math.sqrt(na * nb);
    }

    @ParameterizedTest
    @EnumSource(Quantization.class)
    void findsTheExactNearestAndReturnsTheVectorsAsGiven(Quantization quantization) {
        Random r = new Random(3);
        float[][] vs = new float[400][];
        try (QuestionIndex index = QuestionIndex.inMemory(quantization)) {
            for (int i = 0; i < vs.length; i++) {
                vs[i] = random(r);
                assertThat(index.add("e", "q" + i, "text " + i, vs[i])).isTrue();
            }
            float[] query = random(r);
            List<String> exact = IntStream.range(0, vs.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -cosine(query, vs[i]))).limit(5)
                    .map(i -> "q" + i).toList();
            List<QuestionIndex.Hit> hits = index.nearest("e", query, 5, 100, null);
            assertThat(hits).extracting(QuestionIndex.Hit::id).containsExactlyElementsOf(exact);
            QuestionIndex.Hit best = hits.get(0);
            int i = Integer.parseInt(best.id().substring(1));
            assertThat(best.vector()).containsExactly(vs[i]);
            assertThat(best.text()).isEqualTo("text " + i);
            assertThat(best.similarity()).isCloseTo(cosine(query, vs[i]), org.assertj.core.data.Offset.offset(1e-9));
            // another embedder's field is searched apart
            assertThat(index.nearest("other", query, 5, 100, null)).isEmpty();
        }
    }

    @Test
    void replacesByIdDeletesAndLeavesOutTheSearchedQuestion() {
        Random r = new Random(5);
        try (QuestionIndex index = QuestionIndex.inMemory(Quantization.INT8)) {
            float[] a = random(r);
            index.add("e", "a", "first", a);
            for (int i = 0; i < 50; i++) {
                index.add("e", "n" + i, "noise", random(r));
            }
            assertThat(index.nearest("e", a, 1, 10, null)).extracting(QuestionIndex.Hit::text).containsExactly("first");
            index.add("e", "a", "second", a);
            assertThat(index.size()).isEqualTo(51);
            assertThat(index.nearest("e", a, 1, 10, null)).extracting(QuestionIndex.Hit::text).containsExactly("second");
            assertThat(index.nearest("e", a, 3, 10, "a")).extracting(QuestionIndex.Hit::id).doesNotContain("a").hasSize(3);

            index.delete("a");
            assertThat(index.nearest("e", a, 51, 100, null)).extracting(QuestionIndex.Hit::id).doesNotContain("a");
            assertThat(index.size()).isEqualTo(50);

            // a later version that cannot be indexed (zero vector) removes the earlier one, as compaction would
            index.add("e", "b", "b", random(r));
            assertThat(index.add("e", "b", "b", new float[DIM])).isFalse();
            assertThat(index.size()).isEqualTo(50);
            // a question re-embedded by another embedder leaves the first embedder's field
            index.add("e", "c", "c", a);
            index.add("f", "c", "c", a);
            assertThat(index.nearest("e", a, 50, 100, null)).extracting(QuestionIndex.Hit::id).doesNotContain("c");
            assertThat(index.nearest("f", a, 1, 10, null)).extracting(QuestionIndex.Hit::id).containsExactly("c");
        }
    }

    @Test
    void everyChangeIsSearchableWhetherOrNotTheSearcherWasRefreshedSince() {
        Random r = new Random(13);
        float[][] vs = new float[1500][];
        try (QuestionIndex index = QuestionIndex.inMemory(Quantization.INT8)) {
            for (int i = 0; i < vs.length; i++) {
                vs[i] = random(r);
                index.add("e", "q" + i, "t", vs[i]);
                if (i % 97 == 0) {
                    // the latest question, one still pending and one long refreshed are all found as themselves
                    for (int j : new int[] {i, i / 2, i % 500}) {
                        assertThat(index.nearest("e", vs[j], 1, 10, null)).extracting(QuestionIndex.Hit::id)
                                .as("after %d adds", i + 1).containsExactly("q" + j);
                    }
                }
                if (i % 400 == 399) {
                    index.delete("q" + (i - 1));
                    assertThat(index.nearest("e", vs[i - 1], 5, 10, null)).extracting(QuestionIndex.Hit::id)
                            .doesNotContain("q" + (i - 1));
                    float[] opposite = vs[i - 2].clone();
                    for (int d = 0; d < DIM; d++) {
                        opposite[d] = -opposite[d];
                    }
                    index.add("e", "q" + (i - 2), "replaced", opposite);
                    assertThat(index.nearest("e", vs[i - 2], 5, 10, null)).extracting(QuestionIndex.Hit::id)
                            .doesNotContain("q" + (i - 2));
                    assertThat(index.nearest("e", opposite, 1, 10, null)).extracting(QuestionIndex.Hit::text)
                            .containsExactly("replaced");
                }
            }
            assertThat(index.size()).isEqualTo(1500 - 3);
        }
    }

    @Test
    void aReplayWithoutSearchesKeepsNothingBackAndIsSearchableAfter() {
        Random r = new Random(17);
        float[][] vs = new float[1200][];
        try (QuestionIndex index = QuestionIndex.inMemory(Quantization.INT8)) {
            for (int i = 0; i < vs.length; i++) {
                vs[i] = random(r);
                index.add("e", "q" + i, "t", vs[i]);
            }
            index.delete("q5");
            for (int j : new int[] {0, 600, 1199}) {
                assertThat(index.nearest("e", vs[j], 1, 10, null)).extracting(QuestionIndex.Hit::id).containsExactly("q" + j);
            }
            assertThat(index.nearest("e", vs[5], 3, 10, null)).extracting(QuestionIndex.Hit::id).doesNotContain("q5");
            assertThat(index.size()).isEqualTo(1199);
        }
    }

    @Test
    void onlyCommitsPersistAndTheyCarryTheirUserData(@TempDir Path dir) throws Exception {
        Random r = new Random(9);
        try (QuestionIndex index = QuestionIndex.open(dir, Quantization.INT8, 16)) {
            assertThat(index.committedData()).isEmpty();
            for (int i = 0; i < 20; i++) {
                index.add("e", "q" + i, "t", random(r));
            }
            index.commit(Map.of("k", "1"));
            for (int i = 20; i < 30; i++) {
                index.add("e", "q" + i, "t", random(r));
            }
            index.delete("q0");
            assertThat(index.size()).isEqualTo(29);
        } // closed without a commit: the last ten and the deletion are dropped
        try (QuestionIndex index = QuestionIndex.open(dir, Quantization.INT8, 16)) {
            assertThat(index.size()).isEqualTo(20);
            assertThat(index.committedData()).containsExactly(Map.entry("k", "1"));
            assertThat(index.sizeOnDisk()).isPositive();
        }
    }
}
