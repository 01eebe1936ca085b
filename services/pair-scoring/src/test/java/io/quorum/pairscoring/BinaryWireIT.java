package io.quorum.pairscoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.ContentMode;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.events.VectorCodec;
import io.quorum.shared.events.VectorHeaders;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A migration in progress: JSON and binary-content-mode records of the same pairs, interleaved on one topic, are
 * scored identically (and equal to in-process ONNX Runtime); malformed binary records are dead-lettered with their
 * reasons, their headers and bytes kept.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class BinaryWireIT {

    private static final VectorCodec<PairEmbedded> CODEC = VectorCodec.pairs();

    @Inject
    PairScoringService service;

    @Test
    void scoresJsonAndBinaryRecordsAlikeAndDeadLettersBadBinaryOnes() throws Exception {
        ModelPublished model = TestRegistry.publishChampion(PairScorerSpec.MODEL_NAME,
                TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 23, 0.5));
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == model.version());

        String prefix = "wire-" + UUID.randomUUID() + "-";
        List<PairEmbedded> pairs = PairFixtures.pairs(prefix, 500, 5);
        Map<String, Double> expected = PairFixtures.expected(model, pairs);

        // bad binary records, each built from a good one
        VectorCodec.Encoded good = CODEC.encode(pairs.get(0), ContentMode.BINARY, "/test");
        Map<String, VectorCodec.Encoded> bad = new LinkedHashMap<>();
        Map<String, RejectReason> reasons = new LinkedHashMap<>();
        bad.put("short", new VectorCodec.Encoded(Arrays.copyOf(good.value(), good.value().length - 4), good.headers()));
        reasons.put("short", RejectReason.MALFORMED_BINARY);
        bad.put("odd", new VectorCodec.Encoded(Arrays.copyOf(good.value(), good.value().length + 3), good.headers()));
        reasons.put("odd", RejectReason.MALFORMED_BINARY);
        bad.put("nodim", new VectorCodec.Encoded(good.value(), without(good.headers(), VectorHeaders.DIM)));
        reasons.put("nodim", RejectReason.MISSING_FIELD);
        bad.put("noid", new VectorCodec.Encoded(good.value(), without(good.headers(), VectorHeaders.ID)));
        reasons.put("noid", RejectReason.MISSING_FIELD);
        bad.put("nocontenttype", new VectorCodec.Encoded(good.value(), without(good.headers(), VectorHeaders.CONTENT_TYPE)));
        reasons.put("nocontenttype", RejectReason.MISSING_FIELD);
        Map<String, String> protobuf = new HashMap<>(good.headers());
        protobuf.put(VectorHeaders.CONTENT_TYPE, "application/x-protobuf");
        bad.put("protobuf", new VectorCodec.Encoded(good.value(), protobuf));
        reasons.put("protobuf", RejectReason.UNSUPPORTED_CONTENT_TYPE);
        float[] nan = pairs.get(1).left().toArray();
        nan[5] = Float.NaN;
        bad.put("nan", CODEC.encode(new PairEmbedded(1, prefix + "nan", null, null, FloatVector.wrap(nan),
                pairs.get(1).right(), "test-embedder", 1, 0L), ContentMode.BINARY, "/test"));
        reasons.put("nan", RejectReason.NON_FINITE);
        float[] shortVector = Arrays.copyOf(pairs.get(2).left().toArray(), PairFixtures.DIM - 1);
        bad.put("wrongdim", CODEC.encode(new PairEmbedded(1, prefix + "wd", null, null, FloatVector.wrap(shortVector),
                FloatVector.wrap(shortVector), "test-embedder", 1, 0L), ContentMode.BINARY, "/test"));
        reasons.put("wrongdim", RejectReason.WRONG_DIMENSION);

        try (TopicReader scored = TopicReader.fromNow(Topics.PAIRS_SCORED);
             TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.PAIRS_EMBEDDED));
             TestProducer producer = new TestProducer()) {
            // every pair twice, once per mode, interleaved: key "<id>/json" and "<id>/binary"
            var badIt = bad.entrySet().iterator();
            for (int i = 0; i < pairs.size(); i++) {
                PairEmbedded p = pairs.get(i);
                ContentMode first = i % 2 == 0 ? ContentMode.JSON : ContentMode.BINARY;
                for (ContentMode mode : List.of(first, first == ContentMode.JSON ? ContentMode.BINARY : ContentMode.JSON)) {
                    VectorCodec.Encoded e = CODEC.encode(p, mode, "/test");
                    producer.send(Topics.PAIRS_EMBEDDED, p.pairId() + "/" + mode.id(), e.value(), e.headers());
                }
                if (i % 50 == 25 && badIt.hasNext()) {
                    var b = badIt.next();
                    producer.send(Topics.PAIRS_EMBEDDED, prefix + "bad-" + b.getKey(), b.getValue().value(),
                            b.getValue().headers());
                }
            }
            while (badIt.hasNext()) {
                var b = badIt.next();
                producer.send(Topics.PAIRS_EMBEDDED, prefix + "bad-" + b.getKey(), b.getValue().value(), b.getValue().headers());
            }
            producer.flush();

            List<ConsumerRecord<String, byte[]>> out = scored.await(2 * pairs.size(), Duration.ofSeconds(90),
                    r -> r.key().startsWith(prefix) && !r.key().startsWith(prefix + "bad-"));
            assertThat(out).hasSize(2 * pairs.size());
            Map<String, Map<String, PairScored>> byPair = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : out) {
                PairScored s = PairFixtures.scored(r);
                String mode = r.key().substring(r.key().lastIndexOf('/') + 1);
                byPair.computeIfAbsent(s.pairId(), k -> new HashMap<>()).put(mode, s);
            }
            assertThat(byPair).hasSize(pairs.size());
            for (PairEmbedded p : pairs) {
                PairScored json = byPair.get(p.pairId()).get("json");
                PairScored binary = byPair.get(p.pairId()).get("binary");
                assertThat(json).as(p.pairId()).isNotNull();
                assertThat(binary).as(p.pairId()).isNotNull();
                // the same floats reach the model: bit-identical probabilities, equal to ORT in process
                assertThat(binary.probability()).isEqualTo(json.probability());
                assertThat(binary.probability()).isCloseTo(expected.get(p.pairId()), org.assertj.core.data.Offset.offset(1e-6));
                assertThat(binary.duplicate()).isEqualTo(json.duplicate());
                assertThat(binary.leftId()).isEqualTo(p.leftId());
                assertThat(binary.rightId()).isEqualTo(p.rightId());
                assertThat(binary.embedder()).isEqualTo("test-embedder");
                assertThat(binary.embedderVersion()).isEqualTo(1);
                assertThat(binary.modelVersion()).isEqualTo(json.modelVersion()).isEqualTo(model.version());
            }

            List<ConsumerRecord<String, byte[]>> dead = dlq.await(bad.size(), Duration.ofSeconds(60),
                    r -> r.key() != null && r.key().startsWith(prefix + "bad-"));
            assertThat(dead).hasSize(bad.size());
            for (ConsumerRecord<String, byte[]> r : dead) {
                String name = r.key().substring((prefix + "bad-").length());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON_CODE)).as(name).isEqualTo(reasons.get(name).name());
                assertThat(TopicReader.header(r, DeadLetter.HEADER_REASON)).as(name).isNotBlank();
                assertThat(r.value()).as("original bytes kept").isEqualTo(bad.get(name).value());
                for (var h : bad.get(name).headers().entrySet()) {
                    assertThat(TopicReader.header(r, h.getKey())).as("%s keeps header %s", name, h.getKey())
                            .isEqualTo(h.getValue());
                }
            }
        }
    }

    private static Map<String, String> without(Map<String, String> headers, String name) {
        Map<String, String> h = new HashMap<>(headers);
        h.remove(name);
        return h;
    }
}
