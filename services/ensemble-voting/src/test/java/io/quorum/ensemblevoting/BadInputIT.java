package io.quorum.ensemblevoting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.DigitEnsembleSpec;
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
 * Every kind of bad digit goes to {@code quorum.digits.dlq} unchanged, with its reason code, and is counted; the good
 * digits around them are classified and the service stays ready.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class BadInputIT {

    @Inject
    MeterRegistry meters;
    @Inject
    EnsembleVotingService service;

    @Test
    void badDigitsAreDeadLetteredWithTheirReasonAndTheRestClassified() throws Exception {
        if (service.manager().servingVersion() == 0) {
            var v = TestDigitModels.publishEnsemble(DigitEnsembleSpec.MODEL_NAME, Digits.ensemble(), 28, 28, "champion", null);
            await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == v.version());
        }
        String prefix = "bad-" + UUID.randomUUID() + "-";
        float[] clean = Digits.test().images()[0];
        float[] nan = clean.clone();
        nan[100] = Float.NaN;
        float[] bright = clean.clone();
        bright[5] = 2f;
        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("truncated", "{\"schemaVersion\":1,\"imageId\":".getBytes(StandardCharsets.UTF_8));
        reasons.put("truncated", RejectReason.MALFORMED_JSON);
        bad.put("no-image", "{\"schemaVersion\":1,\"imageId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        reasons.put("no-image", RejectReason.MISSING_FIELD);
        bad.put("wrong-size", digit(prefix, "wrong-size", DigitImage.ofFloats(20, 20, new float[400]), null));
        reasons.put("wrong-size", RejectReason.WRONG_DIMENSION);
        bad.put("wrong-length", digit(prefix, "wrong-length", new DigitImage(28, 28, null, FloatVector.of(new float[500])), null));
        reasons.put("wrong-length", RejectReason.WRONG_DIMENSION);
        bad.put("nan", digit(prefix, "nan", DigitImage.ofFloats(28, 28, nan), null));
        reasons.put("nan", RejectReason.NON_FINITE);
        bad.put("bright", digit(prefix, "bright", DigitImage.ofFloats(28, 28, bright), null));
        reasons.put("bright", RejectReason.INVALID_VALUE);
        bad.put("base64", digit(prefix, "base64", new DigitImage(28, 28, "%%%", null), null));
        reasons.put("base64", RejectReason.INVALID_VALUE);
        bad.put("vote", digit(prefix, "vote", DigitImage.ofFloats(28, 28, clean), "median"));
        reasons.put("vote", RejectReason.INVALID_VALUE);
        bad.put("binary", new byte[] {(byte) 0xC0, (byte) 0x80, 1, 2});
        reasons.put("binary", RejectReason.INVALID_UTF8);

        Map<RejectReason, Double> before = counters();
        try (TopicReader out = TopicReader.fromNow(Topics.DIGITS_CLASSIFIED);
             TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.DIGITS));
             TestProducer producer = new TestProducer()) {
            int good = 0;
            for (var e : bad.entrySet()) {
                producer.send(Topics.DIGITS, prefix + "bad-" + e.getKey(), e.getValue());
                DigitSubmitted ok = Digits.digit(prefix + "ok-" + good++, clean, 5, null);
                producer.send(Topics.DIGITS, ok.imageId(), Json.toBytes(ok));
            }
            producer.flush();
            List<ConsumerRecord<String, byte[]>> dead = dlq.await(bad.size(), Duration.ofSeconds(60),
                    r -> r.key() != null && r.key().startsWith(prefix + "bad-"));
            assertThat(dead).hasSize(bad.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String name = r.key().substring((prefix + "bad-").length());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(name).isEqualTo(reasons.get(name).name());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
                assertThat(TopicReader.header(r, DeadLetter.HEADER_TOPIC)).isEqualTo(Topics.DIGITS);
                assertThat(TopicReader.header(r, DeadLetter.HEADER_SERVICE)).isEqualTo(EnsembleVotingService.SERVICE);
                assertThat(r.value()).as("original bytes kept").isEqualTo(bad.get(name));
            }
            assertThat(out.await(good, Duration.ofSeconds(60), r -> r.key().startsWith(prefix + "ok-"))).hasSize(good);
        }
        Map<RejectReason, Double> after = counters();
        Map<RejectReason, Integer> expected = new EnumMap<>(RejectReason.class);
        reasons.values().forEach(r -> expected.merge(r, 1, Integer::sum));
        for (RejectReason r : RejectReason.values()) {
            assertThat(after.get(r) - before.get(r)).as("counter for %s", r).isEqualTo(expected.getOrDefault(r, 0).doubleValue());
        }
        RestAssured.get("/q/health/ready").then().statusCode(200);
        RestAssured.get("/q/health/live").then().statusCode(200);
    }

    private static byte[] digit(String prefix, String id, DigitImage image, String vote) {
        return Json.toBytes(new DigitSubmitted(1, prefix + id, image, null, "test", vote, 0));
    }

    private Map<RejectReason, Double> counters() {
        Map<RejectReason, Double> m = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            var c = meters.find(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_TOPIC, Topics.DIGITS)
                    .tag(Metrics.TAG_REASON, r.name()).counter();
            m.put(r, c == null ? 0.0 : c.count());
        }
        return m;
    }
}
