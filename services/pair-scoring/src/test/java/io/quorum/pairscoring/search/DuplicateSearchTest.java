package io.quorum.pairscoring.search;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** HNSW search plus re-scoring, without Kafka: a planted near-duplicate is found, unrelated questions are not. */
class DuplicateSearchTest {

    static final int DIM = 32;

    /** A pair model that says "duplicate" when the cosine similarity is above 0.9. */
    static OnnxSession cosineScorer() throws OrtException {
        OnnxGraph g = OnnxGraph.create("cosine");
        String a = g.input(PairScorerSpec.INPUT_LEFT, DIM);
        String b = g.input(PairScorerSpec.INPUT_RIGHT, DIM);
        String cos = g.sub(g.scalar(1f), g.cosineDistance(a, b, 1e-12f));
        g.output(g.sigmoid(g.mul(g.sub(cos, g.scalar(0.9f)), g.scalar(40f))), PairScorerSpec.OUTPUT, -1, 1);
        return OnnxSession.open(g.toBytes(), InferenceOptions.cpu(1));
    }

    static float[] random(Random r) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void findsThePlantedDuplicateAndNothingForNewTopics() throws Exception {
        try (OnnxSession s = cosineScorer(); DuplicateSearch search = new DuplicateSearch(5)) {
            DuplicateSearch.Scorer scorer = new DuplicateSearch.Scorer() {
                public String model() {
                    return "cosine";
                }

                public int version() {
                    return 1;
                }

                public double threshold() {
                    return 0.5;
                }

                public int dimension() {
                    return DIM;
                }

                public String embedder() {
                    return "e";
                }

                public float[] score(float[] left, float[][] rights) throws OrtException {
                    return io.quorum.shared.model.PairScorerSpec.scoreAgainst(s, left, rights);
                }
            };
            Random r = new Random(1);
            float[] original = random(r);
            search.index(q("q-orig", original, "e"));
            for (int i = 0; i < 300; i++) {
                search.index(q("q" + i, random(r), "e"));
            }
            float[] paraphrase = original.clone();
            for (int i = 0; i < DIM; i++) {
                paraphrase[i] += 0.1f * (float) r.nextGaussian();
            }
            DuplicatesFound found = search.search(q("q-new", paraphrase, "e"), scorer);
            assertThat(found.candidates()).extracting(DuplicatesFound.Candidate::questionId).containsExactly("q-orig");
            assertThat(found.candidates().get(0).similarity()).isGreaterThan(0.9);
            assertThat(found.searched()).isEqualTo(5);

            DuplicatesFound none = search.search(q("q-unrelated", random(r), "e"), scorer);
            assertThat(none.candidates()).isEmpty();
            assertThat(search.size()).isEqualTo(303);

            // vectors of another embedder are indexed apart and not compared with this model
            assertThat(search.search(q("q-other", original, "other-embedder"), scorer)).isNull();
            assertThat(search.skipped()).isEqualTo(1);
        }
    }

    static QuestionEmbedded q(String id, float[] v, String embedder) {
        return new QuestionEmbedded(QuestionEmbedded.SCHEMA_VERSION, id, "text of " + id, FloatVector.wrap(v), embedder, 1, 0);
    }
}
