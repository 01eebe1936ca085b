package io.quorum.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.QuestionPosted;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestData;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import io.quorum.text.EmbedderPublishing;
import io.quorum.text.Embedders;
import io.quorum.text.WordVectors;
import io.restassured.RestAssured;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Questions and pairs become vectors through a real broker; bad texts go to the dead-letter topics with reasons. */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class EmbeddingIT {

    static ModelPublished minilm;
    static ModelPublished tfidf;

    @BeforeAll
    static void publishEmbedders() throws Exception {
        var state = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        minilm = state.resolve("minilm", RegistryState.ALIAS_CHAMPION).orElse(null);
        if (minilm == null) {
            minilm = EmbedderPublishing.publishBundled(Embedders.Bundled.MINILM, TestRegistry.publisher(), RegistryState.ALIAS_CHAMPION);
        }
        WordVectors glove = WordVectors.read(TestData.require("glove-6B-50d-subset/glove.6B.50d.first2445.txt"));
        tfidf = EmbedderPublishing.publishTfidf("tfidf-w2v", List.of("how do i learn java", "what is the best way to learn",
                "the cat sat on the mat"), glove, "tfidf", "glove-6B-50d-subset", Map.of(), null, TestRegistry.publisher(),
                RegistryState.ALIAS_CHAMPION);
    }

    @jakarta.inject.Inject
    MeterRegistry meters;

    private static void awaitReady() {
        await().atMost(Duration.ofSeconds(120)).until(() -> RestAssured.get("/q/health/ready").statusCode() == 200);
    }

    @Test
    void embedsQuestionsAndPairsWithTheConfiguredAndRequestedEmbedders() {
        awaitReady();
        String id = "q-" + UUID.randomUUID();
        String pairId = "p-" + UUID.randomUUID();
        try (TopicReader questions = TopicReader.fromNow(Topics.QUESTIONS_EMBEDDED);
             TopicReader pairs = TopicReader.fromNow(Topics.PAIRS_EMBEDDED);
             TestProducer producer = new TestProducer()) {
            producer.send(Topics.QUESTIONS, id, Json.toBytes(QuestionPosted.of(id, "How do I learn Java?")));
            producer.send(Topics.PAIRS, pairId, Json.toBytes(PairSubmitted.of(pairId, "How do I learn Java?",
                    "What is the best way to learn Java?")));
            PairSubmitted viaTfidf = new PairSubmitted(1, pairId + "-t", "a", "how do i learn java", "b",
                    "the cat sat on the mat", "tfidf-w2v", 0);
            producer.send(Topics.PAIRS, viaTfidf.pairId(), Json.toBytes(viaTfidf));
            producer.flush();

            QuestionEmbedded q = Json.fromBytes(questions.await(1, Duration.ofSeconds(60), r -> id.equals(r.key())).get(0).value(),
                    QuestionEmbedded.class);
            assertThat(q.vector().dim()).isEqualTo(384);
            assertThat(q.embedder()).isEqualTo("minilm");
            assertThat(q.embedderVersion()).isEqualTo(minilm.version());
            assertThat(q.text()).isEqualTo("How do I learn Java?");

            List<ConsumerRecord<String, byte[]>> out = pairs.await(2, Duration.ofSeconds(60), r -> r.key().startsWith(pairId));
            Map<String, PairEmbedded> byId = new LinkedHashMap<>();
            out.forEach(r -> byId.put(r.key(), Json.fromBytes(r.value(), PairEmbedded.class)));
            PairEmbedded m = byId.get(pairId);
            assertThat(m.embedder()).isEqualTo("minilm");
            assertThat(m.left().dim()).isEqualTo(384);
            double cos = 0;
            for (int i = 0; i < 384; i++) {
                cos += m.left().get(i) * m.right().get(i);
            }
            assertThat(cos).as("paraphrases are close").isGreaterThan(0.6);
            PairEmbedded t = byId.get(pairId + "-t");
            assertThat(t.embedder()).isEqualTo("tfidf-w2v");
            assertThat(t.embedderVersion()).isEqualTo(tfidf.version());
            assertThat(t.left().dim()).isEqualTo(50);
        }
    }

    @Test
    void badTextsAreDeadLetteredWithReasons() {
        awaitReady();
        String prefix = "bad-" + UUID.randomUUID() + "-";
        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("empty", Json.toBytes(PairSubmitted.of("x", "", "fine")));
        reasons.put("empty", RejectReason.EMPTY_TEXT);
        bad.put("blank", Json.toBytes(PairSubmitted.of("x", "fine", "  \t\n ")));
        reasons.put("blank", RejectReason.EMPTY_TEXT);
        bad.put("long", Json.toBytes(PairSubmitted.of("x", "a".repeat(10_001), "fine")));
        reasons.put("long", RejectReason.TEXT_TOO_LONG);
        byte[] utf8 = "{\"schemaVersion\":1,\"pairId\":\"x\",\"left\":\"ab\",\"right\":\"c\"}".getBytes(StandardCharsets.UTF_8);
        utf8[40] = (byte) 0xC3; // a lead byte followed by an ASCII byte
        bad.put("utf8", utf8);
        reasons.put("utf8", RejectReason.INVALID_UTF8);
        bad.put("nbsp", Json.toBytes(PairSubmitted.of("x", "fine", "\u00A0\u200B\u202F")));
        reasons.put("nbsp", RejectReason.EMPTY_TEXT);
        byte[] overlong = "{\"schemaVersion\":1,\"pairId\":\"x\",\"left\":\"ab\",\"right\":\"c\"}".getBytes(StandardCharsets.UTF_8);
        overlong[40] = (byte) 0xC1; // "A" in an overlong two-byte form, which Jackson alone would decode
        overlong[41] = (byte) 0x81;
        bad.put("overlong", overlong);
        reasons.put("overlong", RejectReason.INVALID_UTF8);
        bad.put("oneside", "{\"schemaVersion\":1,\"pairId\":\"x\",\"left\":\"only one\"}".getBytes(StandardCharsets.UTF_8));
        reasons.put("oneside", RejectReason.MISSING_FIELD);
        bad.put("embedder", Json.toBytes(new PairSubmitted(1, "x", null, "a", null, "b", "word2vec-of-the-future", 0)));
        reasons.put("embedder", RejectReason.UNKNOWN_MODEL);
        String good = prefix + "good";
        try (TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.PAIRS));
             TopicReader pairs = TopicReader.fromNow(Topics.PAIRS_EMBEDDED);
             TestProducer producer = new TestProducer()) {
            bad.forEach((k, v) -> producer.send(Topics.PAIRS, prefix + k, v));
            producer.send(Topics.PAIRS, good, Json.toBytes(PairSubmitted.of(good, "fine", "also fine")));
            producer.flush();
            List<ConsumerRecord<String, byte[]>> dead = dlq.await(bad.size(), Duration.ofSeconds(60),
                    r -> r.key() != null && r.key().startsWith(prefix));
            for (ConsumerRecord<String, byte[]> r : dead) {
                String name = r.key().substring(prefix.length());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(name).isEqualTo(reasons.get(name).name());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
            }
            assertThat(pairs.await(1, Duration.ofSeconds(60), r -> good.equals(r.key()))).hasSize(1);
        }
        for (RejectReason reason : new java.util.HashSet<>(reasons.values())) {
            long expected = reasons.values().stream().filter(reason::equals).count();
            assertThat(meters.find("quorum.records.dead.lettered").tag("topic", Topics.PAIRS).tag("reason", reason.name())
                    .counter().count()).as(reason.name()).isGreaterThanOrEqualTo(expected);
        }
        RestAssured.get("/q/health/live").then().statusCode(200);
        assertThat(RestAssured.get("/q/metrics").asString()).contains("quorum_embedder_oov_tokens_total");
    }

    @Test
    void badQuestionsAreDeadLetteredWithReasonsAndCounted() {
        awaitReady();
        String prefix = "badq-" + UUID.randomUUID() + "-";
        Map<String, byte[]> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("blank", Json.toBytes(QuestionPosted.of("x", "\u00A0 \t")));
        reasons.put("blank", RejectReason.EMPTY_TEXT);
        bad.put("long", Json.toBytes(QuestionPosted.of("x", "b".repeat(10_001))));
        reasons.put("long", RejectReason.TEXT_TOO_LONG);
        bad.put("notext", "{\"schemaVersion\":1,\"questionId\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        reasons.put("notext", RejectReason.MISSING_FIELD);
        bad.put("json", "{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8));
        reasons.put("json", RejectReason.MALFORMED_JSON);
        bad.put("embedder", Json.toBytes(new QuestionPosted(1, "x", "a question", "word2vec-of-the-future", 0)));
        reasons.put("embedder", RejectReason.UNKNOWN_MODEL);
        String good = prefix + "good";
        try (TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.QUESTIONS));
             TopicReader embedded = TopicReader.fromNow(Topics.QUESTIONS_EMBEDDED);
             TestProducer producer = new TestProducer()) {
            bad.forEach((k, v) -> producer.send(Topics.QUESTIONS, prefix + k, v));
            producer.send(Topics.QUESTIONS, good, Json.toBytes(QuestionPosted.of(good, "How do I learn Java?")));
            producer.flush();
            for (ConsumerRecord<String, byte[]> r : dlq.await(bad.size(), Duration.ofSeconds(60),
                    r -> r.key() != null && r.key().startsWith(prefix))) {
                String name = r.key().substring(prefix.length());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(name).isEqualTo(reasons.get(name).name());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
                assertThat(r.value()).as(name + ": the original record, unchanged").isEqualTo(bad.get(name));
            }
            assertThat(embedded.await(1, Duration.ofSeconds(60), r -> r.key() != null && r.key().equals(good))).hasSize(1);
        }
        for (RejectReason reason : reasons.values()) {
            assertThat(meters.find("quorum.records.dead.lettered").tag("topic", Topics.QUESTIONS).tag("reason", reason.name())
                    .counter().count()).as(reason.name()).isGreaterThanOrEqualTo(1);
        }
    }
}
