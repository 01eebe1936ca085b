package io.quorum.pairscoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** Malformed JSON, wrong lengths, NaN and friends go to the dead-letter topic with reasons; the rest is scored. */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class BadInputIT {

    @Inject
    PairScoringService service;
    @Inject
    MeterRegistry meters;

    @Test
    void deadLettersBadRecordsAndScoresTheRest() throws Exception {
        ModelPublished model = TestRegistry.publishChampion(PairScorerSpec.MODEL_NAME,
                TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 41, 0.5));
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == model.version());

        String prefix = "bad-" + UUID.randomUUID() + "-";
        List<PairEmbedded> good = PairFixtures.pairs(prefix + "ok-", 100, 3);
        float[] nan = new float[PairFixtures.DIM];
        nan[7] = Float.NaN;
        float[] ones = new float[PairFixtures.DIM];
        Arrays.fill(ones, 1f);
        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("truncated", "{\"schemaVersion\":1,\"pairId\":".getBytes(StandardCharsets.UTF_8));
        reasons.put("truncated", RejectReason.MALFORMED_JSON);
        bad.put("notjson", "hello world".getBytes(StandardCharsets.UTF_8));
        reasons.put("notjson", RejectReason.MALFORMED_JSON);
        bad.put("empty", new byte[0]);
        reasons.put("empty", RejectReason.MALFORMED_JSON);
        bad.put("wronglen", Json.toBytes(PairEmbedded.of(prefix + "x", FloatVector.of(new float[PairFixtures.DIM - 1]),
                FloatVector.of(new float[PairFixtures.DIM - 1]))));
        reasons.put("wronglen", RejectReason.WRONG_DIMENSION);
        bad.put("nan", Json.toBytes(PairEmbedded.of(prefix + "y", FloatVector.of(nan), FloatVector.of(ones))));
        reasons.put("nan", RejectReason.NON_FINITE);
        bad.put("missing", "{\"schemaVersion\":1,\"pairId\":\"p\",\"left\":{\"dim\":1,\"f32\":\"AACAPw==\"}}"
                .getBytes(StandardCharsets.UTF_8));
        reasons.put("missing", RejectReason.MISSING_FIELD);
        bad.put("future", Json.toBytes(new PairEmbedded(99, "f", null, null, FloatVector.of(ones), FloatVector.of(ones),
                null, null, 0)));
        reasons.put("future", RejectReason.UNSUPPORTED_SCHEMA);
        byte[] utf8 = "{\"schemaVersion\":1,\"pairId\":\"XX\"}".getBytes(StandardCharsets.UTF_8);
        utf8[28] = (byte) 0xFF;
        utf8[29] = (byte) 0xFE;
        bad.put("utf8", utf8);
        reasons.put("utf8", RejectReason.INVALID_UTF8);
        bad.put("base64", "{\"schemaVersion\":1,\"pairId\":\"p\",\"left\":{\"dim\":1,\"f32\":\"!!!\"},\"right\":{\"dim\":1,\"f32\":\"AACAPw==\"}}"
                .getBytes(StandardCharsets.UTF_8));
        reasons.put("base64", RejectReason.INVALID_VALUE);

        Map<RejectReason, Double> before = counters();
        try (TopicReader scored = TopicReader.fromNow(Topics.PAIRS_SCORED);
             TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.PAIRS_EMBEDDED));
             TestProducer producer = new TestProducer()) {
            int i = 0;
            for (var e : bad.entrySet()) {
                producer.send(Topics.PAIRS_EMBEDDED, prefix + "bad-" + e.getKey(), e.getValue());
                for (int k = 0; k < 10; k++) {
                    PairEmbedded p = good.get(i++);
                    producer.send(Topics.PAIRS_EMBEDDED, p.pairId(), Json.toBytes(p));
                }
            }
            for (; i < good.size(); i++) {
                producer.send(Topics.PAIRS_EMBEDDED, good.get(i).pairId(), Json.toBytes(good.get(i)));
            }
            producer.flush();

            List<ConsumerRecord<String, byte[]>> ok = scored.await(100, Duration.ofSeconds(60),
                    r -> r.key().startsWith(prefix + "ok-"));
            assertThat(ok).hasSize(100);
            List<ConsumerRecord<String, byte[]>> dead = dlq.await(bad.size(), Duration.ofSeconds(60),
                    r -> r.key() != null && r.key().startsWith(prefix + "bad-"));
            assertThat(dead).hasSize(bad.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String name = r.key().substring((prefix + "bad-").length());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(name)
                        .isEqualTo(reasons.get(name).name());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
                assertThat(TopicReader.header(r, DeadLetter.HEADER_TOPIC)).isEqualTo(Topics.PAIRS_EMBEDDED);
                assertThat(TopicReader.header(r, DeadLetter.HEADER_OFFSET)).isNotBlank();
                assertThat(r.value()).as("original bytes kept").isEqualTo(bad.get(name));
            }
        }
        Map<RejectReason, Double> after = counters();
        Map<RejectReason, Integer> expectedDelta = new EnumMap<>(RejectReason.class);
        reasons.values().forEach(r -> expectedDelta.merge(r, 1, Integer::sum));
        for (RejectReason r : RejectReason.values()) {
            assertThat(after.get(r) - before.get(r)).as("counter for %s", r)
                    .isEqualTo(expectedDelta.getOrDefault(r, 0).doubleValue());
        }
        RestAssured.get("/q/health/ready").then().statusCode(200);
        RestAssured.get("/q/health/live").then().statusCode(200);
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).contains("quorum_records_dead_lettered_total{reason=\"NON_FINITE\",topic=\"quorum.pairs.embedded\"}");
        assertThat(metrics).contains("quorum_inference_seconds");
        assertThat(metrics).contains("quorum_batch_size_records");
        assertThat(metrics).contains("quorum_model_serving_version{model=\"pair-scorer\"}");
        assertThat(metrics).contains("quorum_inference_device_info{device=\"cpu\",requested=\"auto\"} 1.0");
    }

    private Map<RejectReason, Double> counters() {
        Map<RejectReason, Double> m = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            var c = meters.find(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_TOPIC, Topics.PAIRS_EMBEDDED)
                    .tag(Metrics.TAG_REASON, r.name()).counter();
            m.put(r, c == null ? 0.0 : c.count());
        }
        return m;
    }
}
