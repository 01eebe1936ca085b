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
}
