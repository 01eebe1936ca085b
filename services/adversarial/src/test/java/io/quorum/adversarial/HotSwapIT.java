package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackEvent;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The target model follows its alias: a request after a new champion is published is attacked on the new version
 * (loaded in the background, swapped between requests), while a request pinning the old version still gets it.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class HotSwapIT {

    static final String MODEL = "it-hot-swap";

    @Inject
    AdversarialService service;

    @Test
    void aNewChampionIsAttackedByTheNextRequestAndAPinnedVersionStays() throws Exception {
        ModelPublished v1 = TestDigitModels.publish(MODEL, TestDigitModels.random(784, 16, 10, 1), 28, 28, "champion", true);
        String prefix = "swap-" + UUID.randomUUID() + "-";
        try (TopicReader out = TopicReader.fromNow(Topics.ATTACKS_GENERATED); TestProducer producer = new TestProducer()) {
            assertThat(attack(producer, out, prefix + "1", "champion").modelVersion()).isEqualTo(v1.version());
            ModelPublished v2 = TestDigitModels.publish(MODEL, TestDigitModels.random(784, 16, 10, 2), 28, 28, "champion",
                    true);
            ModelRef champion = ModelRef.of(MODEL, "champion");
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> service.models().manager(champion).servingVersion() == v2.version());
            AdversarialGenerated after = attack(producer, out, prefix + "2", "champion");
            assertThat(after.modelVersion()).isEqualTo(v2.version());
            // its prediction is v2's, not v1's
            float[] p = TestDigitModels.random(784, 16, 10, 2).probabilities(new float[][] {after.image().intensities()})[0];
            assertThat((double) p[after.predictionAfter()]).isCloseTo(after.confidenceAfter(),
                    org.assertj.core.data.Offset.offset(1e-4));
            assertThat(attack(producer, out, prefix + "3", "version:" + v1.version()).modelVersion()).isEqualTo(v1.version());
        }
    }

    private static AdversarialGenerated attack(TestProducer producer, TopicReader out, String id, String follow) {
        AttackRequested r = Digits.image(id, MODEL, follow, "fgsm", Map.of("eps", "0.1"), Digits.test().images()[1],
                Digits.test().labels()[1], false);
        producer.sendSync(Topics.ATTACKS_REQUESTED, id, Json.toBytes(r));
        ConsumerRecord<String, byte[]> rec = out.await(1, Duration.ofSeconds(60), x -> x.key().equals(id)
                && Json.fromBytes(x.value(), AttackEvent.class) instanceof AdversarialGenerated).get(0);
        return (AdversarialGenerated) Json.fromBytes(rec.value(), AttackEvent.class);
    }
}
