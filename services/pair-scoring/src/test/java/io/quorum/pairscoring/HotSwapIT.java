package io.quorum.pairscoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Version 2 is published while 50,000 pairs flow: nothing is lost, every output carries the version that produced
 * it (its probability equals that version's in-process result), and in every output partition no v1 output
 * follows a v2 output.
 */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class HotSwapIT {

    private static final int TOTAL = 50_000;
    private static final int CHUNK = 500;
    private static final int SWAP_AFTER = 20_000;

    @Inject
    PairScoringService service;

    @Test
    void swapsUnderTrafficWithoutLosingOrMixingVersions() throws Exception {
        ModelPublished v1 = TestRegistry.publishChampion(PairScorerSpec.MODEL_NAME,
                TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 21, 0.5));
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == v1.version());

        String prefix = "swap-" + UUID.randomUUID() + "-";
        List<PairEmbedded> pairs = PairFixtures.pairs(prefix, TOTAL, 2);
        ModelPublished v2 = null;
        List<ConsumerRecord<String, byte[]>> records;
        try (TopicReader out = TopicReader.fromNow(Topics.PAIRS_SCORED); TestProducer producer = new TestProducer()) {
            int sent = 0;
            while (sent < TOTAL) {
                for (int i = sent; i < Math.min(TOTAL, sent + CHUNK); i++) {
                    producer.send(Topics.PAIRS_EMBEDDED, pairs.get(i).pairId(), Json.toBytes(pairs.get(i)));
                }
                sent = Math.min(TOTAL, sent + CHUNK);
                producer.flush();
                // keep the flow going but bounded: at most a few chunks in flight
                int answered = out.await(Math.max(0, sent - 4 * CHUNK), Duration.ofSeconds(60),
                        r -> r.key().startsWith(prefix)).size();
                if (v2 == null && answered >= SWAP_AFTER) {
                    v2 = TestRegistry.publishChampion(PairScorerSpec.MODEL_NAME,
                            TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 22, 0.5));
                }
            }
            records = out.await(TOTAL, Duration.ofSeconds(180), r -> r.key().startsWith(prefix));
        }
        assertThat(v2).isNotNull();
        int v1Version = v1.version();
        int v2Version = v2.version();
        Map<String, Double> expected1 = PairFixtures.expected(v1, pairs);
        Map<String, Double> expected2 = PairFixtures.expected(v2, pairs);

        Set<String> ids = new HashSet<>();
        Map<Integer, List<ConsumerRecord<String, byte[]>>> byPartition = new HashMap<>();
        int fromV1 = 0;
        int fromV2 = 0;
        for (ConsumerRecord<String, byte[]> r : records) {
            PairScored s = PairFixtures.scored(r);
            ids.add(s.pairId());
            assertThat(s.modelVersion()).isIn(v1Version, v2Version);
            double expected = (s.modelVersion() == v1Version ? expected1 : expected2).get(s.pairId());
            assertThat(s.probability()).as("pair %s scored by v%d", s.pairId(), s.modelVersion())
                    .isCloseTo(expected, Offset.offset(1e-6));
            if (s.modelVersion() == v1Version) {
                fromV1++;
            } else {
                fromV2++;
            }
            byPartition.computeIfAbsent(r.partition(), p -> new ArrayList<>()).add(r);
        }
        assertThat(ids).as("nothing lost, nothing duplicated").hasSize(TOTAL);
        assertThat(records).hasSize(TOTAL);
        assertThat(fromV1).as("outputs from v1").isPositive();
        assertThat(fromV2).as("outputs from v2").isPositive();
        for (var e : byPartition.entrySet()) {
            List<ConsumerRecord<String, byte[]>> part = new ArrayList<>(e.getValue());
            part.sort(Comparator.comparingLong(ConsumerRecord::offset));
            boolean swapped = false;
            for (ConsumerRecord<String, byte[]> r : part) {
                int version = PairFixtures.scored(r).modelVersion();
                if (version == v2Version) {
                    swapped = true;
                } else {
                    assertThat(swapped).as("v1 output at partition %d offset %d after a v2 output", e.getKey(), r.offset())
                            .isFalse();
                }
            }
        }
    }
}
