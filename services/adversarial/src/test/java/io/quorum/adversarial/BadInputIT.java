package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.AttackEvent;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad request goes to {@code quorum.attacks.requested.dlq} unchanged, with its reason code, and is
 * counted; the good requests around them are answered and the service stays ready.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class BadInputIT {

    static final String MODEL = "it-bad-input";
    static final String BLACK_BOX = "it-bad-input-no-gradient";

    @Inject
    MeterRegistry meters;

    @Test
    void badRequestsAreDeadLetteredWithTheirReasonAndTheRestAreAnswered() throws Exception {
        TestDigitModels.Mlp m = TestDigitModels.random(784, 16, 10, 5);
        TestDigitModels.publish(MODEL, m, 28, 28, "champion", true);
        TestDigitModels.publish(BLACK_BOX, m, 28, 28, "champion", false);
        String prefix = "bad-" + UUID.randomUUID() + "-";
        float[] clean = Digits.test().images()[0];
        int label = Digits.test().labels()[0];
        float[] nan = clean.clone();
        nan[100] = Float.NaN;
        float[] bright = clean.clone();
        bright[5] = 2f;

        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("truncated", "{\"schemaVersion\":1,\"requestId\":".getBytes(StandardCharsets.UTF_8));
        reasons.put("truncated", RejectReason.MALFORMED_JSON);
        bad.put("missing", "{\"schemaVersion\":1,\"requestId\":\"x\",\"attack\":\"fgsm\"}".getBytes(StandardCharsets.UTF_8));
        reasons.put("missing", RejectReason.MISSING_FIELD);
        put(bad, "wrong-length", request(prefix, "wrong-length", MODEL, "fgsm", Map.of(),
                new DigitImage(28, 28, null, FloatVector.of(new float[500])), label, null));
        reasons.put("wrong-length", RejectReason.WRONG_DIMENSION);
        put(bad, "wrong-size", request(prefix, "wrong-size", MODEL, "fgsm", Map.of(),
                DigitImage.ofFloats(20, 20, new float[400]), label, null));
        reasons.put("wrong-size", RejectReason.WRONG_DIMENSION);
        put(bad, "nan", request(prefix, "nan", MODEL, "fgsm", Map.of(), DigitImage.ofFloats(28, 28, nan), label, null));
        reasons.put("nan", RejectReason.NON_FINITE);
        put(bad, "bright", request(prefix, "bright", MODEL, "fgsm", Map.of(), DigitImage.ofFloats(28, 28, bright), label, null));
        reasons.put("bright", RejectReason.INVALID_VALUE);
        put(bad, "eps", request(prefix, "eps", MODEL, "fgsm", Map.of("eps", "3"), DigitImage.ofFloats(28, 28, clean), label,
                null));
        reasons.put("eps", RejectReason.INVALID_VALUE);
        put(bad, "attack", request(prefix, "attack", MODEL, "deepfool", Map.of(), DigitImage.ofFloats(28, 28, clean), label,
                null));
        reasons.put("attack", RejectReason.UNSUPPORTED_ATTACK);
        put(bad, "model", request(prefix, "model", "it-no-such-model", "fgsm", Map.of(), DigitImage.ofFloats(28, 28, clean),
                label, null));
        reasons.put("model", RejectReason.UNKNOWN_MODEL);
        put(bad, "white-box", request(prefix, "white-box", BLACK_BOX, "pgd", Map.of(), DigitImage.ofFloats(28, 28, clean),
                label, null));
        reasons.put("white-box", RejectReason.UNSUPPORTED_ATTACK);
        put(bad, "outside", request(prefix, "outside", MODEL, "fgsm", Map.of(), null, null, "../../etc/passwd|mnist/x"));
        reasons.put("outside", RejectReason.INVALID_VALUE);
        put(bad, "no-dataset", request(prefix, "no-dataset", MODEL, "fgsm", Map.of(), null, null, "cifar-10"));
        reasons.put("no-dataset", RejectReason.INVALID_VALUE);
        put(bad, "label", request(prefix, "label", MODEL, "fgsm", Map.of(), DigitImage.ofFloats(28, 28, clean), 10, null));
        reasons.put("label", RejectReason.INVALID_VALUE);
        put(bad, "limit", request(prefix, "limit", MODEL, "fgsm", Map.of("limit", "1000000"), null, null, "mnist"));
        reasons.put("limit", RejectReason.LIMIT_EXCEEDED);

        Map<RejectReason, Double> before = counters();
        try (TopicReader out = TopicReader.fromNow(Topics.ATTACKS_GENERATED);
             TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.ATTACKS_REQUESTED));
             TestProducer producer = new TestProducer()) {
            int good = 0;
            for (var e : bad.entrySet()) {
                producer.send(Topics.ATTACKS_REQUESTED, prefix + "bad-" + e.getKey(), e.getValue());
                AttackRequested ok = request(prefix, "ok-" + good++, MODEL, "fgsm", Map.of("eps", "0.1"),
                        DigitImage.ofFloats(28, 28, clean), label, null);
                producer.send(Topics.ATTACKS_REQUESTED, ok.requestId(), Json.toBytes(ok));
            }
            producer.flush();

            List<ConsumerRecord<String, byte[]>> dead = dlq.await(bad.size(), Duration.ofSeconds(90),
                    r -> r.key() != null && r.key().startsWith(prefix + "bad-"));
            assertThat(dead).hasSize(bad.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String name = r.key().substring((prefix + "bad-").length());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(name).isEqualTo(reasons.get(name).name());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
                assertThat(TopicReader.header(r, DeadLetter.HEADER_TOPIC)).isEqualTo(Topics.ATTACKS_REQUESTED);
                assertThat(TopicReader.header(r, DeadLetter.HEADER_SERVICE)).isEqualTo(AdversarialService.SERVICE);
                assertThat(r.value()).as("original bytes kept").isEqualTo(bad.get(name));
            }
            List<ConsumerRecord<String, byte[]>> answered = out.await(good, Duration.ofSeconds(60),
                    r -> r.key().startsWith(prefix + "ok-") && Json.fromBytes(r.value(), AttackEvent.class)
                            instanceof AttackCompleted);
            assertThat(answered).hasSize(good);
        }
        Map<RejectReason, Double> after = counters();
        Map<RejectReason, Integer> expected = new EnumMap<>(RejectReason.class);
        reasons.values().forEach(r -> expected.merge(r, 1, Integer::sum));
        for (RejectReason r : RejectReason.values()) {
            assertThat(after.get(r) - before.get(r)).as("counter for %s", r).isEqualTo(expected.getOrDefault(r, 0).doubleValue());
        }
        RestAssured.get("/q/health/ready").then().statusCode(200);
        RestAssured.get("/q/health/live").then().statusCode(200);
        assertThat(RestAssured.get("/q/metrics").asString()).contains(
                "quorum_records_dead_lettered_total{reason=\"UNSUPPORTED_ATTACK\",topic=\"quorum.attacks.requested\"} ");
    }

    static AttackRequested request(String prefix, String id, String model, String attack, Map<String, String> params,
                                   DigitImage image, Integer label, String dataset) {
        return new AttackRequested(1, prefix + id, model, null, attack, params, image, label, dataset, null, false, "test", 0);
    }

    static void put(Map<String, byte[]> bad, String name, AttackRequested r) {
        bad.put(name, Json.toBytes(r));
    }

    private Map<RejectReason, Double> counters() {
        Map<RejectReason, Double> m = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            var c = meters.find(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_TOPIC, Topics.ATTACKS_REQUESTED)
                    .tag(Metrics.TAG_REASON, r.name()).counter();
            m.put(r, c == null ? 0.0 : c.count());
        }
        return m;
    }
}
