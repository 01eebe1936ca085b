package io.quorum.imagescoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.ImageScored;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * On the in-process broker: a photo asking for an explanation ({@code quorum_explain: occlusion}) gets its score and a
 * PNG overlay on {@code quorum.images.explained}; the same over HTTP; an 11 MiB camera photo (over the broker's 1 MB
 * default, under the photo topics' 16 MiB) reaches the service and is dead-lettered {@code LIMIT_EXCEEDED} unchanged.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class ExplainIT {

    @Inject
    ImageScoringService service;

    @Test
    void anExplanationIsPublishedAsAPngWithItsMetadataAndServedOverHttp() throws Exception {
        DefaultScorer.ensureServing(service);
        String prefix = "exp-" + UUID.randomUUID() + "-";
        byte[] crop = Photos.crop("female/asian/13.jpg");
        Map<String, String> headers = new HashMap<>(Photos.headers(prefix + "id", "image/jpeg", true));
        headers.put(ImageScorer.HEADER_EXPLAIN, "occlusion");
        try (TopicReader scored = TopicReader.fromNow(Topics.IMAGES_SCORED);
             TopicReader explained = TopicReader.fromNow(Topics.IMAGES_EXPLAINED);
             TestProducer producer = new TestProducer()) {
            producer.send(Topics.IMAGES, prefix + "photo", crop, headers);
            producer.flush();
            ConsumerRecord<String, byte[]> s = scored.await(1, Duration.ofSeconds(90),
                    r -> (prefix + "photo").equals(r.key())).get(0);
            ConsumerRecord<String, byte[]> e = explained.await(1, Duration.ofSeconds(90),
                    r -> (prefix + "photo").equals(r.key())).get(0);
            ImageScored score = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION).decode(s.value());
            assertThat(TopicReader.header(e, "ce_id")).isEqualTo(prefix + "id");
            assertThat(TopicReader.header(e, Explainer.HEADER_MODEL_VERSION))
                    .isEqualTo(Integer.toString(service.manager().servingVersion()));
            assertThat(TopicReader.header(e, Explainer.HEADER_PATCH)).isEqualTo("56");
            assertThat(TopicReader.header(e, Explainer.HEADER_STRIDE)).isEqualTo("28");
            assertThat(Double.parseDouble(TopicReader.header(e, Explainer.HEADER_SCORE))).isCloseTo(score.score(),
                    org.assertj.core.data.Offset.offset(1e-3));
            assertThat(Double.parseDouble(TopicReader.header(e, Explainer.HEADER_MAX_CHANGE))).isGreaterThan(0);
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(e.value()));
            assertThat(png.getWidth()).isEqualTo(224);
        }

        Response http = RestAssured.given().contentType("image/jpeg").body(crop)
                .queryParam("aligned", true).queryParam("patch", 112).queryParam("stride", 56).queryParam("id", "h1")
                .post("/explain");
        assertThat(http.statusCode()).isEqualTo(200);
        assertThat(http.header("Content-Type")).startsWith("image/png");
        assertThat(http.header("X-Quorum-Grid")).isEqualTo("3x3");
        assertThat(http.header("X-Quorum-Image-Id")).isEqualTo("h1");
        assertThat(ImageIO.read(new ByteArrayInputStream(http.asByteArray())).getHeight()).isEqualTo(224);
        Response refused = RestAssured.given().contentType("application/octet-stream").body(Photos.notAnImage())
                .post("/explain");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.header("X-Quorum-Reason")).isEqualTo(RejectReason.NOT_AN_IMAGE.name());
        assertThat(RestAssured.given().contentType("image/jpeg").body(crop).queryParam("stride", 1).post("/explain")
                .statusCode()).isEqualTo(400);
        // the series the Grafana panels (infra/grafana/dashboards/quorum.json, "Image scoring") query
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).contains("quorum_images_scored_total{", "quorum_images_faces_found_faces_bucket{",
                "quorum_images_faces_found_faces_count", "quorum_images_stage_seconds_bucket{",
                "stage=\"explain\"", "quorum_model_serving_version{");
    }

    @Test
    void aCameraPhotoOverTheServicesLimitReachesItAndIsDeadLetteredUnchanged() throws Exception {
        DefaultScorer.ensureServing(service);
        String key = "big-" + UUID.randomUUID();
        // a real photo padded to 11 MiB: over the broker's 1 MB default and the service's 10 MiB, under the topic's 16 MiB
        byte[] big = Arrays.copyOf(Photos.raw("female/asian/13.jpg"), 11 * 1024 * 1024);
        try (TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.IMAGES));
             KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("big-photos",
                     Map.of(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.IMAGES_MAX_MESSAGE_BYTES, ProducerConfig.ACKS_CONFIG, "all"))) {
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(Topics.IMAGES, key, big);
            Photos.headers(key, "image/jpeg", null).forEach((k, v) -> r.headers().add(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            producer.send(r).get(); // the broker accepts it (the topic's max.message.bytes)
            List<ConsumerRecord<String, byte[]>> dead = dlq.await(1, Duration.ofSeconds(90), d -> key.equals(d.key()));
            assertThat(TopicReader.header(dead.get(0), DeadLetter.HEADER_REASON_CODE)).isEqualTo(RejectReason.LIMIT_EXCEEDED.name());
            assertThat(dead.get(0).value()).as("the photo is kept unchanged").isEqualTo(big);
        }
    }
}
