package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The synthetic corpus of bench scale: deterministic, planted duplicates as close as described, exact truth. */
class SyntheticQuestionsTest {

    static final int DIM = 384;

    private static SyntheticQuestions corpus() {
        return new SyntheticQuestions(DIM, 42, 100, SyntheticQuestions.spreadFor(0.6, DIM), 0.10,
                SyntheticQuestions.spreadFor(0.84, DIM));
    }

    @Test
    void aCorpusIsThePrefixOfAnyLargerOneAndTheSameForTheSameSeed() {
        SyntheticQuestions a = corpus();
        SyntheticQuestions b = corpus();
        for (int i : new int[] {0, 99, 100, 5_000, 123_456}) {
            assertThat(b.vector(i)).containsExactly(a.vector(i));
            assertThat(SyntheticQuestions.dot(a.vector(i), a.vector(i))).isCloseTo(1.0, within(1e-5));
        }
    }

    @Test
    void plantedDuplicatesAndQueriesAreAsCloseToTheirOriginalAsDescribed() {
        SyntheticQuestions c = corpus();
        double paraphrases = 0;
        int planted = 0;
        for (int i = 100; i < 3_000; i++) {
            int o = c.originalOf(i);
            if (o >= 0) {
                assertThat(o).isLessThan(i);
                assertThat(c.originalOf(o)).as("an original is never itself a paraphrase").isEqualTo(-1);
                paraphrases += SyntheticQuestions.dot(c.vector(i), c.vector(o));
                planted++;
            }
        }
        assertThat(planted / 2_900.0).isCloseTo(0.10, within(0.02));
        assertThat(paraphrases / planted).isCloseTo(0.84, within(0.02));
        double queries = 0;
        for (int q = 0; q < 200; q++) {
            SyntheticQuestions.Query query = c.query(0, q, 3_000);
            queries += SyntheticQuestions.dot(query.vector(), c.vector(query.base()));
        }
        assertThat(queries / 200).isCloseTo(0.84, within(0.02));
        double sameTopic = 0;
        int pairs = 0;
        for (int i = 0; i < 3_000 && pairs < 200; i++) {
            for (int j = i + 1; j < 3_000 && pairs < 200; j++) {
                if (c.originalOf(i) < 0 && c.originalOf(j) < 0 && c.topicOf(i) == c.topicOf(j)) {
                    sameTopic += SyntheticQuestions.dot(c.vector(i), c.vector(j));
                    pairs++;
                }
            }
        }
        assertThat(sameTopic / pairs).isCloseTo(0.36, within(0.03));
    }

    @Test
    void exactNeighboursAreThoseOfANaiveSearchIncludingEarlierQueries() {
        SyntheticQuestions c = corpus();
        List<float[]> queries = new ArrayList<>();
        List<SyntheticQuestions.Probe> probes = new ArrayList<>();
        for (int q = 0; q < 20; q++) {
            float[] v = c.query(3, q, 1_500).vector();
            queries.add(v);
            probes.add(new SyntheticQuestions.Probe(v, 1_000 + 25 * q, q));
        }
        List<List<SyntheticQuestions.Neighbour>> exact = c.exact(probes, queries, 10);
        for (int q = 0; q < probes.size(); q++) {
            SyntheticQuestions.Probe p = probes.get(q);
            List<SyntheticQuestions.Neighbour> all = new ArrayList<>();
            for (int i = 0; i < p.corpusSize(); i++) {
                all.add(new SyntheticQuestions.Neighbour(i, SyntheticQuestions.dot(c.vector(i), p.vector())));
            }
            for (int j = 0; j < p.earlierQueries(); j++) {
                all.add(new SyntheticQuestions.Neighbour(-(j + 1), SyntheticQuestions.dot(queries.get(j), p.vector())));
            }
            all.sort(Comparator.comparingDouble(SyntheticQuestions.Neighbour::cosine).reversed());
            assertThat(exact.get(q).stream().map(SyntheticQuestions.Neighbour::item).toList())
                    .containsExactlyElementsOf(all.subList(0, 10).stream().map(SyntheticQuestions.Neighbour::item).toList());
        }
    }

    @Test
    void onlyTheFilesOfTheLastCommitCountPerCommittedQuestion(@TempDir Path dir) throws IOException {
        try (FSDirectory d = FSDirectory.open(dir);
             IndexWriter w = new IndexWriter(d, new IndexWriterConfig().setUseCompoundFile(false))) {
            java.util.Random r = new java.util.Random(1);
            for (int i = 0; i < 50; i++) {
                float[] v = new float[16];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) r.nextGaussian();
                }
                Document doc = new Document();
                doc.add(new StringField("id", "q" + i, Field.Store.YES));
                doc.add(new KnnFloatVectorField("vector", v, VectorSimilarityFunction.COSINE));
                w.addDocument(doc);
            }
            w.commit();
        }
        Files.write(dir.resolve("_9_Lucene99HnswVectorsFormat_0.vec"), new byte[4096]); // a merge cut short
        Map<String, Object> m = BenchScale.indexFiles(dir, 7);
        assertThat(m).containsEntry("questions", 50L);
        assertThat((double) m.get("uncommittedMiB")).isCloseTo(0.0, within(0.01));
        @SuppressWarnings("unchecked")
        Map<String, Object> perQuestion = (Map<String, Object>) m.get("bytesPerQuestion");
        // 16 float32 per question plus the file's header and footer
        assertThat((Long) perQuestion.get("floatVectors")).isBetween(64L, 70L);
        assertThat((Long) perQuestion.get("graph")).isPositive();
        assertThat((Long) perQuestion.get("quantizedVectors")).isZero();
    }

    @Test
    void withoutACommitEveryFileIsCountedByKind(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("_0.vec"), new byte[1536 * 10]);
        Files.write(dir.resolve("_0.veq"), new byte[388 * 10]);
        Files.write(dir.resolve("_0.vex"), new byte[50 * 10]);
        Files.write(dir.resolve("_0.fdt"), new byte[20 * 10]);
        Files.write(dir.resolve("segments_2"), new byte[100]);
        Map<String, Object> m = BenchScale.indexFiles(dir, 10);
        @SuppressWarnings("unchecked")
        Map<String, Object> perQuestion = (Map<String, Object>) m.get("bytesPerQuestion");
        assertThat(perQuestion).containsEntry("floatVectors", 1536L).containsEntry("quantizedVectors", 388L)
                .containsEntry("graph", 50L).containsEntry("storedFields", 20L).containsEntry("other", 10L);
        assertThat(m).containsEntry("searchedBytesPerQuestion", 438L);
    }
}
