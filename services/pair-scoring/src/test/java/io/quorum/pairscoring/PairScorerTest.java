package io.quorum.pairscoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scoring logic without Quarkus or a broker: one inference per batch, every record answered once, in order. */
class PairScorerTest {

    @Test
    void answersEveryRecordInOrderWithScoresOrDeadLetters() throws Exception {
        ModelPublished meta = new ModelPublished(1, "pair-scorer", 7, "champion", "file:/x", "abc", 1, List.of(),
                new io.quorum.shared.events.ModelSignature(List.of(), List.of()), null, null, null, 0);
        try (OnnxSession s = OnnxSession.open(TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 5, 0.3).toBytes(),
                InferenceOptions.cpu(1))) {
            ScoringModel model = ScoringModel.of(meta, s);
            assertThat(model.threshold()).isEqualTo(0.3);
            List<PairEmbedded> pairs = PairFixtures.pairs("u-", 6, 4);
            List<InRecord> in = new ArrayList<>();
            long offset = 0;
            for (PairEmbedded p : pairs) {
                in.add(new InRecord(Topics.PAIRS_EMBEDDED, 0, offset++, p.pairId(), Json.toBytes(p), 1));
            }
            in.add(2, new InRecord(Topics.PAIRS_EMBEDDED, 0, offset++, "junk", "{".getBytes(StandardCharsets.UTF_8), 1));
            in.add(new InRecord(Topics.PAIRS_EMBEDDED, 0, offset++, "short",
                    Json.toBytes(PairEmbedded.of("short", FloatVector.of(1f), FloatVector.of(1f))), 1));

            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            BatchMetrics metrics = new BatchMetrics(meters, Topics.PAIRS_EMBEDDED, "pair-scorer");
            BatchResult r = new PairScorer().score(in, model, metrics);

            assertThat(r.size()).isEqualTo(in.size());
            assertThat(r.outputs()).extracting(o -> o.key()).containsExactly("u-0", "u-1", "u-2", "u-3", "u-4", "u-5");
            assertThat(r.deadLetters()).extracting(d -> d.reason())
                    .containsExactly(RejectReason.MALFORMED_JSON, RejectReason.WRONG_DIMENSION);
            for (var o : r.outputs()) {
                PairScored ps = Json.fromBytes(o.value(), PairScored.class);
                assertThat(ps.modelVersion()).isEqualTo(7);
                assertThat(ps.duplicate()).isEqualTo(ps.probability() >= 0.3);
                assertThat(o.topic()).isEqualTo(Topics.PAIRS_SCORED);
            }
            assertThat(meters.get("quorum.batch.size").summary().count()).as("one inference call").isEqualTo(1);
            assertThat(meters.get("quorum.batch.size").summary().totalAmount()).isEqualTo(6);
        }
    }

    @Test
    void pairsWithFeaturesOfTheAlignersSetGoToTheAligner() throws Exception {
        ModelPublished scorerMeta = new ModelPublished(1, "pair-scorer", 7, "champion", "file:/x", "abc", 1, List.of(),
                new io.quorum.shared.events.ModelSignature(List.of(), List.of()), null, null, null, 0);
        ModelPublished alignerMeta = new ModelPublished(1, "pair-aligner", 2, "champion", "file:/y", "def", 1, List.of(),
                new io.quorum.shared.events.ModelSignature(List.of(), List.of()), null, null, null, 0);
        // p = sigmoid(4 x0 - 2): feature 0 decides
        try (OnnxSession s = OnnxSession.open(TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 5, 0.3).toBytes(),
                InferenceOptions.cpu(1));
             OnnxSession a = OnnxSession.open(TestModels.pairAligner(new float[] {4f, 0f, 0f}, -2f, "align-v1", 0.6).toBytes(),
                     InferenceOptions.cpu(1))) {
            io.quorum.shared.model.PairAlignerSpec.check(a, alignerMeta);
            ScoringModel model = ScoringModel.of(scorerMeta, s);
            AlignerModel aligner = AlignerModel.of(alignerMeta, a);
            List<PairEmbedded> base = PairFixtures.pairs("f-", 6, 4);
            List<InRecord> in = new ArrayList<>();
            for (int i = 0; i < base.size(); i++) {
                PairEmbedded p = base.get(i);
                FloatVector f = switch (i) {
                    case 0, 1 -> FloatVector.of(1f, 0f, 0f);        // aligner: sigmoid(2)
                    case 2 -> FloatVector.of(0f, 0f, 0f);           // aligner: sigmoid(-2)
                    case 3 -> FloatVector.of(1f, 0f);               // aligner's set, wrong length: dead letter
                    case 4 -> FloatVector.of(Float.NaN, 0f, 0f);    // non-finite: dead letter
                    default -> null;                                // no features: Siamese
                };
                String set = i == 1 ? "align-v0" : f == null ? null : "align-v1"; // another set: Siamese
                PairEmbedded q = new PairEmbedded(p.schemaVersion(), p.pairId(), null, null, p.left(), p.right(), "minilm", 1,
                        p.embeddedAt(), f, set);
                in.add(new InRecord(Topics.PAIRS_EMBEDDED, 0, i, q.pairId(), Json.toBytes(q), 1));
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            BatchResult r = new PairScorer().score(in, model, aligner, new BatchMetrics(meters, Topics.PAIRS_EMBEDDED, "pair-scorer"),
                    new BatchMetrics(meters, Topics.PAIRS_EMBEDDED, "pair-aligner"));

            assertThat(r.outputs()).extracting(o -> o.key()).containsExactly("f-0", "f-1", "f-2", "f-5");
            assertThat(r.deadLetters()).extracting(d -> d.reason())
                    .containsExactly(RejectReason.WRONG_DIMENSION, RejectReason.NON_FINITE);
            PairScored p0 = Json.fromBytes(r.outputs().get(0).value(), PairScored.class);
            PairScored p1 = Json.fromBytes(r.outputs().get(1).value(), PairScored.class);
            PairScored p2 = Json.fromBytes(r.outputs().get(2).value(), PairScored.class);
            PairScored p5 = Json.fromBytes(r.outputs().get(3).value(), PairScored.class);
            assertThat(p0.model()).isEqualTo("pair-aligner");
            assertThat(p0.modelVersion()).isEqualTo(2);
            assertThat(p0.probability()).isCloseTo(1 / (1 + Math.exp(-2)), org.assertj.core.data.Offset.offset(1e-6));
            assertThat(p0.threshold()).isEqualTo(0.6);
            assertThat(p0.duplicate()).isTrue();
            assertThat(p2.model()).isEqualTo("pair-aligner");
            assertThat(p2.duplicate()).isFalse();
            assertThat(p1.model()).as("features of another set").isEqualTo("pair-scorer");
            assertThat(p5.model()).isEqualTo("pair-scorer");
            assertThat(p5.threshold()).isEqualTo(0.3);

            // no aligner serving: every pair goes to the Siamese model
            BatchResult plain = new PairScorer().score(in, model, null, new BatchMetrics(meters, Topics.PAIRS_EMBEDDED, "pair-scorer"), null);
            assertThat(plain.outputs()).hasSize(6);
            assertThat(plain.outputs()).allSatisfy(o -> assertThat(Json.fromBytes(o.value(), PairScored.class).model())
                    .isEqualTo("pair-scorer"));
        }
    }
}
