package io.quorum.imagescoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.ImageScored;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * On the in-process broker: the default scorer (faceres + the committed head) published to the registry, real photos
 * in as raw JPEG bytes with CloudEvents headers, scores out; a corrupt JPEG, a truncated one, a decompression bomb, a
 * non-image and a faceless photo dead-lettered with their reason codes and counted; the service stays ready and keeps
 * scoring after them.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class ImageScoringIT {

    @Inject
    ImageScoringService service;
    @Inject
    MeterRegistry meters;

    @Test
    void photosInScoresOutAndBadPhotosDeadLetteredWithTheirReason() throws Exception {
        DefaultScorer.ensureServing(service);
        String prefix = "img-" + UUID.randomUUID() + "-";
        byte[] raw = Photos.raw("female/asian/13.jpg");
        byte[] crop = Photos.crop("female/asian/13.jpg");
        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("truncated", Photos.truncated(raw));
        reasons.put("truncated", RejectReason.TRUNCATED_IMAGE);
        bad.put("bomb", Photos.bomb());
        reasons.put("bomb", RejectReason.DECOMPRESSION_BOMB);
        bad.put("text", Photos.notAnImage());
        reasons.put("text", RejectReason.NOT_AN_IMAGE);
        bad.put("blank", Photos.blank());
        reasons.put("blank", RejectReason.NO_FACE);
        bad.put("corrupt", Photos.corrupt(raw));

        Map<RejectReason, Double> before = counters();
        EventCodec<ImageScored> codec = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION);
        try (TopicReader out = TopicReader.fromNow(Topics.IMAGES_SCORED);
             TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.IMAGES));
             TestProducer producer = new TestProducer()) {
            producer.send(Topics.IMAGES, prefix + "ok-raw", raw, Photos.headers(prefix + "raw", "image/jpeg", null));
            for (var e : bad.entrySet()) {
                producer.send(Topics.IMAGES, prefix + "bad-" + e.getKey(), e.getValue(),
                        Photos.headers(prefix + e.getKey(), "image/jpeg", null));
            }
            // after every bad photo, the service still scores
            producer.send(Topics.IMAGES, prefix + "ok-crop", crop, Photos.headers(prefix + "crop", "image/jpeg", true));
            producer.flush();

            List<ConsumerRecord<String, byte[]>> scored = out.await(2, Duration.ofSeconds(90),
                    r -> r.key() != null && r.key().startsWith(prefix + "ok-"));
            assertThat(scored).hasSize(2);
            Map<String, ImageScored> byKey = new LinkedHashMap<>();
            for (ConsumerRecord<String, byte[]> r : scored) {
                byKey.put(r.key(), codec.decode(r.value()));
            }
            ImageScored rawScore = byKey.get(prefix + "ok-raw");
            ImageScored cropScore = byKey.get(prefix + "ok-crop");
            assertThat(rawScore.imageId()).isEqualTo(prefix + "raw");
            assertThat(rawScore.source()).isEqualTo("test-camera");
            assertThat(rawScore.score()).isBetween(1.0, 10.0);
            assertThat(rawScore.facePolicy()).isEqualTo(ImageScored.POLICY_LARGEST);
            assertThat(rawScore.face().landmarks()).hasSize(6);
            assertThat(rawScore.modelVersion()).isEqualTo(service.manager().servingVersion());
            assertThat(cropScore.facePolicy()).isEqualTo(ImageScored.POLICY_ALREADY_ALIGNED);
            for (String step : List.of("decode", "detect", "align")) { // per-photo steps timed (detect: the raw photo)
                var t = meters.find(Metrics.IMAGES_STAGE).tag(Metrics.TAG_STAGE, step).timer();
                assertThat(t).as(step).isNotNull();
                assertThat(t.count()).as(step).isPositive();
            }
            assertThat(Math.abs(cropScore.score() - rawScore.score())).isLessThan(1.0);

            List<ConsumerRecord<String, byte[]>> dead = dlq.await(bad.size(), Duration.ofSeconds(60),
                    r -> r.key() != null && r.key().startsWith(prefix + "bad-"));
            assertThat(dead).hasSize(bad.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String name = r.key().substring((prefix + "bad-").length());
                String code = TopicReader.header(r, DeadLetter.HEADER_REASON_CODE);
                if (name.equals("corrupt")) {
                    assertThat(code).isIn(RejectReason.CORRUPT_IMAGE.name(), RejectReason.TRUNCATED_IMAGE.name());
                    reasons.put(name, RejectReason.valueOf(code));
                } else {
                    assertThat(code).as(name).isEqualTo(reasons.get(name).name());
                }
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
                assertThat(TopicReader.header(r, DeadLetter.HEADER_SERVICE)).isEqualTo(ImageScoringService.SERVICE);
                assertThat(TopicReader.header(r, "ce_id")).isEqualTo(prefix + name);
                assertThat(r.value()).as("original bytes kept").isEqualTo(bad.get(name));
            }
        }
        Map<RejectReason, Double> after = counters();
        for (RejectReason r : reasons.values()) {
            long expected = reasons.values().stream().filter(r::equals).count();
            assertThat(after.get(r) - before.get(r)).as("counter for %s", r).isEqualTo((double) expected);
        }
        RestAssured.get("/q/health/ready").then().statusCode(200);
        RestAssured.get("/q/health/live").then().statusCode(200);
    }

    private Map<RejectReason, Double> counters() {
        Map<RejectReason, Double> m = new java.util.EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            var c = meters.find(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_TOPIC, Topics.IMAGES)
                    .tag(Metrics.TAG_REASON, r.name()).counter();
            m.put(r, c == null ? 0.0 : c.count());
        }
        return m;
    }
}
