package io.quorum.ensemblevoting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.DigitClassified;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.DigitSuspected;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TopicReader;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.ensemble.Detector;
import io.quorum.vision.ensemble.Disagreement;
import io.quorum.vision.ensemble.Vote;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The service on the real broker: digits in on {@code quorum.digits}, one classification each out on
 * {@code quorum.digits.classified} under the vote the record asks for (else the configured {@code max}), the digits
 * whose members disagree beyond the version's calibrated threshold flagged and also on {@code quorum.digits.suspicious}
 * with their image, and the votes, disagreement and flags per version on {@code /q/metrics}.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class EnsembleVotingIT {

    static final int N = 80;

    @Inject
    EnsembleVotingService service;

    @Test
    void classifiesEveryDigitUnderItsVoteAndFlagsTheOnesItsMembersDisagreeOn() throws Exception {
        List<TestDigitModels.Mlp> members = Digits.ensemble();
        DigitSet test = Digits.test();
        float[][] images = Arrays.copyOfRange(test.images(), 100, 100 + N);
        float[][][] p = TestDigitModels.memberProbabilities(members, images);
        double[] scores = Disagreement.mutualInformation(p);
        double at80 = Detector.threshold(scores, 0.2);
        double threshold = (at80 + Arrays.stream(scores).filter(x -> x > at80).min().orElse(at80 + 1e-3)) / 2;
        ModelPublished v = TestDigitModels.publishEnsemble(DigitEnsembleSpec.MODEL_NAME, members, 28, 28, "champion", threshold);
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == v.version());

        String prefix = "vote-" + UUID.randomUUID() + "-";
        String[] votes = {null, "mean", "max", "majority"};
        Map<String, Integer> index = new HashMap<>();
        try (TopicReader out = TopicReader.fromNow(Topics.DIGITS_CLASSIFIED);
             TopicReader suspicious = TopicReader.fromNow(Topics.DIGITS_SUSPICIOUS);
             TestProducer producer = new TestProducer()) {
            for (int i = 0; i < N; i++) {
                DigitSubmitted d = Digits.digit(prefix + i, images[i], test.labels()[100 + i], votes[i % votes.length]);
                index.put(d.imageId(), i);
                producer.send(Topics.DIGITS, d.imageId(), Json.toBytes(d));
            }
            producer.flush();
            List<ConsumerRecord<String, byte[]>> got = out.await(N, Duration.ofSeconds(60), r -> r.key().startsWith(prefix));
            assertThat(got).hasSize(N);
            int flagged = 0;
            for (ConsumerRecord<String, byte[]> r : got) {
                DigitClassified c = Json.fromBytes(r.value(), DigitClassified.class);
                int i = index.get(c.imageId());
                Vote vote = votes[i % votes.length] == null ? Vote.MAX : Vote.parse(votes[i % votes.length]);
                assertThat(c.vote()).isEqualTo(vote.wire());
                assertThat(c.prediction()).as(c.imageId()).isEqualTo(vote.decide(p[i]).label());
                assertThat(c.byVote()).containsOnlyKeys("mean", "max", "majority");
                assertThat(c.modelVersion()).isEqualTo(v.version());
                assertThat(c.members()).isEqualTo(3);
                assertThat(c.label()).isEqualTo(test.labels()[100 + i]);
                assertThat(c.suspectedAdversarial()).as(c.imageId()).isEqualTo(scores[i] > threshold);
                flagged += c.suspectedAdversarial() ? 1 : 0;
            }
            assertThat(flagged).as("the threshold lies at the 80th percentile of these digits").isEqualTo(
                    (int) Arrays.stream(scores).filter(s -> s > threshold).count()).isGreaterThan(0);
            List<ConsumerRecord<String, byte[]>> sus = suspicious.await(flagged, Duration.ofSeconds(30),
                    r -> r.key().startsWith(prefix));
            Set<String> flaggedIds = got.stream().map(r -> Json.fromBytes(r.value(), DigitClassified.class))
                    .filter(DigitClassified::suspectedAdversarial).map(DigitClassified::imageId).collect(Collectors.toSet());
            for (ConsumerRecord<String, byte[]> r : sus) {
                DigitSuspected s = Json.fromBytes(r.value(), DigitSuspected.class);
                assertThat(flaggedIds).contains(s.imageId());
                assertThat(s.image().intensities()).containsExactly(images[index.get(s.imageId())]);
                assertThat(s.memberPredictions()).hasSize(3);
            }
            assertThat(suspicious.drain(Duration.ofSeconds(1)).stream().filter(r -> r.key().startsWith(prefix)))
                    .as("only the flagged digits").hasSize(flagged);
        }
        String metrics = RestAssured.get("/q/metrics").asString();
        assertThat(metrics).contains("quorum_ensemble_votes_total{model=\"digit-ensemble\",version=\"" + v.version()
                        + "\",vote=\"max\"} 40.0",
                "quorum_ensemble_flags_total{model=\"digit-ensemble\",version=\"" + v.version() + "\"}",
                "quorum_ensemble_disagreement_nats_bucket{model=\"digit-ensemble\",version=\"" + v.version() + "\",le=\"0.1\"}");
        RestAssured.get("/q/health/ready").then().statusCode(200);
        RestAssured.get("/models").then().statusCode(200);
    }
}
