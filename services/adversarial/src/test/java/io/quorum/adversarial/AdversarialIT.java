package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.AttackEvent;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.restassured.RestAssured;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Through the real broker: single-image FGSM requests in, adversarials and summaries out (in order per request),
 * red-team digits on {@code quorum.digits}; a data-set request stored as a versioned adversarial data set that reads
 * back with the IDX reader and matches its hashes.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class AdversarialIT {

    static final String MODEL = "it-digits";

    static synchronized ModelPublished model() {
        if (published == null) {
            published = TestDigitModels.publish(MODEL, Digits.trained(), Digits.SIDE, Digits.SIDE, "champion", true);
        }
        return published;
    }

    private static ModelPublished published;

    static AttackEvent event(ConsumerRecord<String, byte[]> r) {
        return Json.fromBytes(r.value(), AttackEvent.class);
    }

    @Test
    void fgsmRequestsInAdversarialsOutAndTheRedTeamOnTheDigitsTopic() throws Exception {
        ModelPublished v = model();
        String prefix = "it-" + UUID.randomUUID() + "-";
        DigitSet test = Digits.test();
        int n = 30;
        try (TopicReader out = TopicReader.fromNow(Topics.ATTACKS_GENERATED);
             TopicReader digits = TopicReader.fromNow(Topics.DIGITS);
             TestProducer producer = new TestProducer()) {
            for (int i = 0; i < n; i++) {
                AttackRequested r = Digits.image(prefix + i, MODEL, null, "fgsm", Map.of("eps", "0.25"), test.images()[i],
                        test.labels()[i], i < 3);
                producer.send(Topics.ATTACKS_REQUESTED, r.requestId(), Json.toBytes(r));
            }
            producer.flush();
            List<ConsumerRecord<String, byte[]>> records = out.await(2 * n, Duration.ofSeconds(90),
                    r -> r.key().startsWith(prefix));
            Map<String, List<ConsumerRecord<String, byte[]>>> byRequest = new HashMap<>();
            records.forEach(r -> byRequest.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r));
            assertThat(byRequest).hasSize(n);
            int correctBefore = 0;
            int correctAfter = 0;
            for (int i = 0; i < n; i++) {
                List<ConsumerRecord<String, byte[]>> rs = new ArrayList<>(byRequest.get(prefix + i));
                rs.sort(Comparator.comparingLong(ConsumerRecord::offset));
                assertThat(rs).hasSize(2);
                assertThat(rs.get(0).partition()).isEqualTo(rs.get(1).partition());
                AdversarialGenerated g = (AdversarialGenerated) event(rs.get(0));
                AttackCompleted c = (AttackCompleted) event(rs.get(1));
                assertThat(g.requestId()).isEqualTo(prefix + i).isEqualTo(c.requestId());
                assertThat(g.modelVersion()).isEqualTo(v.version());
                assertThat(g.model()).isEqualTo(MODEL);
                assertThat(g.linf()).isLessThanOrEqualTo(0.25 + 1e-6);
                float[] a = g.image().intensities();
                float[] expected = Digits.trained().probabilities(new float[][] {a})[0];
                assertThat((double) expected[g.predictionAfter()]).isCloseTo(g.confidenceAfter(),
                        org.assertj.core.data.Offset.offset(1e-4));
                assertThat(c.attacked()).isEqualTo(1);
                correctBefore += g.predictionBefore() == test.labels()[i] ? 1 : 0;
                correctAfter += g.predictionAfter() == test.labels()[i] ? 1 : 0;
            }
            assertThat(correctBefore).isGreaterThanOrEqualTo(24);
            assertThat(correctAfter).isLessThan(correctBefore / 2);

            List<ConsumerRecord<String, byte[]>> red = digits.await(3, Duration.ofSeconds(30), r -> r.key().startsWith(prefix));
            for (ConsumerRecord<String, byte[]> r : red) {
                DigitSubmitted d = Json.fromBytes(r.value(), DigitSubmitted.class);
                int i = Integer.parseInt(d.imageId().substring(prefix.length(), d.imageId().indexOf('#')));
                assertThat(d.source()).isEqualTo("red-team:fgsm");
                assertThat(d.label()).isEqualTo(test.labels()[i]);
                assertThat(d.image().intensities()).hasSize(784);
            }
        }
        // the picture of a recent request: clean vs adversarial with the predictions
        byte[] png = RestAssured.get("/attacks/" + prefix + "0/grid.png").then().statusCode(200).contentType("image/png")
                .extract().asByteArray();
        java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        java.awt.Dimension expected = io.quorum.vision.picture.DigitGrid.size(1, 8, 28, 28, 3);
        assertThat(picture.getWidth()).isEqualTo(expected.width);
        assertThat(picture.getHeight()).isEqualTo(expected.height);
        RestAssured.get("/attacks/" + prefix + "nothing/grid.png").then().statusCode(404);
        RestAssured.get("/attacks/" + prefix + "0/grid.png?scale=100").then().statusCode(400);
        String models = RestAssured.get("/models").asString();
        assertThat(models).contains("\"name\":\"" + MODEL + "\"").contains(v.sha256());
        RestAssured.get("/q/health/ready").then().statusCode(200);
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).contains("quorum_attack_success_ratio{attack=\"fgsm\",model=\"" + MODEL + "\",version=\""
                + v.version() + "\"}");
        assertThat(metrics).contains("quorum_attack_images_total{attack=\"fgsm\",model=\"" + MODEL + "\"}");
        assertThat(metrics).contains("quorum_attack_queries_total");
        assertThat(metrics).contains("quorum_records_processed_total{outcome=\"ok\",topic=\"quorum.attacks.requested\"}");
    }

    @Test
    void aDataSetRequestIsStoredAsAVersionedAdversarialDataSet() throws Exception {
        ModelPublished v = model();
        String id = "it-ds-" + UUID.randomUUID();
        AttackRequested r = Digits.dataset(id, MODEL, "fgsm", Map.of("eps", "0.2", "limit", "300"), "mnist", false);
        List<ConsumerRecord<String, byte[]>> records;
        try (TopicReader out = TopicReader.fromNow(Topics.ATTACKS_GENERATED); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.ATTACKS_REQUESTED, id, Json.toBytes(r));
            records = out.await(1, Duration.ofSeconds(90), rec -> rec.key().equals(id) && event(rec) instanceof AttackCompleted);
            records = out.drain(Duration.ofMillis(200)).stream().filter(rec -> rec.key().equals(id)).toList();
        }
        List<AdversarialGenerated> sample = records.stream().map(AdversarialIT::event)
                .filter(e -> e instanceof AdversarialGenerated).map(e -> (AdversarialGenerated) e).toList();
        AttackCompleted c = records.stream().map(AdversarialIT::event).filter(e -> e instanceof AttackCompleted)
                .map(e -> (AttackCompleted) e).findFirst().orElseThrow();
        assertThat(sample).as("by default every image is published").hasSize(300);
        assertThat(sample.stream().map(AdversarialGenerated::index).distinct().count()).isEqualTo(300);
        assertThat(sample.get(7).sourceId()).isEqualTo("mnist#" + sample.get(7).index());
        assertThat(c.attacked()).isEqualTo(300);
        assertThat(c.error()).isNull();
        assertThat(c.modelVersion()).isEqualTo(v.version());
        assertThat(c.accuracyAfter()).isLessThan(c.accuracyBefore());
        Map<String, String> ds = c.dataset();
        assertThat(ds.get(AttackCompleted.DATASET_NAME)).isEqualTo("adv-mnist-fgsm");
        Path images = Path.of(URI.create(ds.get(AttackCompleted.DATASET_IMAGES)));
        Path labels = Path.of(URI.create(ds.get(AttackCompleted.DATASET_LABELS)));
        assertThat(Hashing.sha256(images)).isEqualTo(ds.get(AttackCompleted.DATASET_IMAGES + AttackCompleted.SHA256_SUFFIX));
        assertThat(Hashing.sha256(labels)).isEqualTo(ds.get(AttackCompleted.DATASET_LABELS + AttackCompleted.SHA256_SUFFIX));
        DigitSet stored = DigitSets.read(ds.get(AttackCompleted.DATASET_NAME), images, labels, DigitSets.DIGITS);
        DigitSet mnist = DigitSets.load("mnist", DataDir.root());
        assertThat(stored.size()).isEqualTo(300);
        assertThat(stored.labels()).containsExactly(java.util.Arrays.copyOf(mnist.labels(), 300));
        double linf = 0;
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < 784; j++) {
                linf = Math.max(linf, Math.abs(stored.images()[i][j] - mnist.images()[i][j]));
            }
        }
        assertThat(linf).as("8-bit rounding of an eps-0.2 perturbation").isBetween(0.19, 0.2 + 0.5 / 255 + 1e-6);
    }
}
