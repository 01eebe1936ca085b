package io.quorum.ensemblevoting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.DigitClassified;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.quorum.vision.ensemble.Disagreement;
import io.quorum.vision.ensemble.Vote;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The ensemble follows its alias: after a new champion is published, the next digits are voted on by the new
 * version's members (loaded in the background, swapped between batches), with that version's threshold.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class HotSwapIT {

    @Inject
    EnsembleVotingService service;

    @Test
    void aNewChampionVotesOnTheNextDigits() throws Exception {
        ModelPublished v1 = TestDigitModels.publishEnsemble(DigitEnsembleSpec.MODEL_NAME, Digits.ensemble(), 28, 28,
                "champion", 0.5);
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == v1.version());
        String prefix = "swap-" + UUID.randomUUID() + "-";
        float[] image = Digits.test().images()[3];
        try (TopicReader out = TopicReader.fromNow(Topics.DIGITS_CLASSIFIED); TestProducer producer = new TestProducer()) {
            DigitClassified before = classify(producer, out, prefix + "1", image);
            assertThat(before.modelVersion()).isEqualTo(v1.version());
            assertThat(before.threshold()).isEqualTo(0.5);

            List<TestDigitModels.Mlp> other = Digits.other();
            ModelPublished v2 = TestDigitModels.publishEnsemble(DigitEnsembleSpec.MODEL_NAME, other, 28, 28, "champion", 0.25);
            await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == v2.version());
            DigitClassified after = classify(producer, out, prefix + "2", image);
            assertThat(after.modelVersion()).isEqualTo(v2.version());
            assertThat(after.threshold()).isEqualTo(0.25);
            // its votes and disagreement are the new members'
            float[][] p = TestDigitModels.memberProbabilities(other, new float[][] {image})[0];
            assertThat(after.prediction()).isEqualTo(Vote.MAX.decide(p).label());
            assertThat(after.confidence()).isCloseTo(Vote.MAX.decide(p).confidence(), Offset.offset(1e-5));
            assertThat(after.disagreement()).isCloseTo(Disagreement.mutualInformation(p), Offset.offset(1e-4));
        }
    }

    private static DigitClassified classify(TestProducer producer, TopicReader out, String id, float[] image) {
        DigitSubmitted d = Digits.digit(id, image, null, null);
        producer.sendSync(Topics.DIGITS, id, Json.toBytes(d));
        ConsumerRecord<String, byte[]> r = out.await(1, Duration.ofSeconds(60), x -> x.key().equals(id)).get(0);
        return Json.fromBytes(r.value(), DigitClassified.class);
    }
}
