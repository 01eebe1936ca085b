package io.quorum.pairscoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A model built with the ONNX writer is published; 10,000 pairs go in, 10,000 scores come out, equal to ORT's. */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class PairScoringIT {

    @Inject
    PairScoringService service;

    @Test
    void scoresTenThousandPairsWithThePublishedVersion() throws Exception {
        ModelPublished model = TestRegistry.publishChampion(PairScorerSpec.MODEL_NAME,
                TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 11, 0.5));
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == model.version());
        RestAssured.get("/models").then().statusCode(200);
        String models = RestAssured.get("/models").asString();
        assertThat(models).contains("\"version\":" + model.version()).contains(model.sha256());

        String prefix = "e2e-" + UUID.randomUUID() + "-";
        List<PairEmbedded> pairs = PairFixtures.pairs(prefix, 10_000, 1);
        Map<String, Double> expected = PairFixtures.expected(model, pairs);
        try (TopicReader out = TopicReader.fromNow(Topics.PAIRS_SCORED); TestProducer producer = new TestProducer()) {
            for (PairEmbedded p : pairs) {
                producer.send(Topics.PAIRS_EMBEDDED, p.pairId(), Json.toBytes(p));
            }
            producer.flush();
            List<ConsumerRecord<String, byte[]>> records = out.await(10_000, Duration.ofSeconds(120),
                    r -> r.key().startsWith(prefix));
            assertThat(records).hasSize(10_000);
            Set<String> ids = new HashSet<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                PairScored s = PairFixtures.scored(r);
                ids.add(s.pairId());
                assertThat(s.model()).isEqualTo(PairScorerSpec.MODEL_NAME);
                assertThat(s.modelVersion()).isEqualTo(model.version());
                assertThat(s.probability()).isCloseTo(expected.get(s.pairId()), org.assertj.core.data.Offset.offset(1e-6));
                assertThat(s.duplicate()).isEqualTo(s.probability() >= 0.5);
                assertThat(s.threshold()).isEqualTo(0.5);
                assertThat(s.embedder()).isEqualTo("test-embedder");
            }
            assertThat(ids).hasSize(10_000);
        }
    }
}
