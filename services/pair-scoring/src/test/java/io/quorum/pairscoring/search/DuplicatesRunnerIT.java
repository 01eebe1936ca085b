package io.quorum.pairscoring.search;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The duplicate-search consumer on a real broker: after a restart the index is rebuilt from every partition before any
 * new question is searched, and questions it cannot search go to the dead-letter topic with their reason and a metric.
 */
class DuplicatesRunnerIT {

    private static final String MODEL = "it-cosine-" + UUID.randomUUID().toString().substring(0, 8);

    private static DuplicateSearch.Scorer cosine(OnnxSession s) {
        return new DuplicateSearch.Scorer() {
            public String model() {
                return MODEL;
            }

            public int version() {
                return 1;
            }

            public double threshold() {
                return 0.5;
            }

            public int dimension() {
                return DuplicateSearchTest.DIM;
            }

            public String embedder() {
                return "e";
            }

            public float[] score(float[] left, float[][] rights) throws OrtException {
                return io.quorum.shared.model.PairScorerSpec.scoreAgainst(s, left, rights);
            }
        };
    }

    private static KafkaProducer<String, byte[]> producer() {
        return TestKafka.clients().producer("it", Map.of());
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, int partition, String key, byte[] value)
            throws Exception {
        return producer.send(new ProducerRecord<>(Topics.QUESTIONS_EMBEDDED, partition, key, value)).get();
    }

    @Test
    void aRestartIndexesEveryPartitionBeforeSearchingAndDeadLettersWhatItCannotSearch() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String group = "it-duplicates-" + run;
        Random r = new Random(7);
        float[] original = DuplicateSearchTest.random(r);
        Map<TopicPartition, OffsetAndMetadata> answeredBefore = new HashMap<>();
        try (KafkaProducer<String, byte[]> producer = producer()) {
            // history: 1,500 questions on partition 2, the planted original last among them; a few on partitions 0, 1
            for (int i = 0; i < 1500; i++) {
                send(producer, 2, run + "-h2-" + i, Json.toBytes(DuplicateSearchTest.q(run + "-h2-" + i,
                        DuplicateSearchTest.random(r), "e")));
            }
            RecordMetadata last = send(producer, 2, run + "-orig", Json.toBytes(DuplicateSearchTest.q(run + "-orig", original, "e")));
            answeredBefore.put(new TopicPartition(Topics.QUESTIONS_EMBEDDED, 2), new OffsetAndMetadata(last.offset() + 1));
            for (int p = 0; p < 2; p++) {
                RecordMetadata m = null;
                for (int i = 0; i < 5; i++) {
                    m = send(producer, p, run + "-h" + p + "-" + i, Json.toBytes(DuplicateSearchTest.q(run + "-h" + p + "-" + i,
                            DuplicateSearchTest.random(r), "e")));
                }
                answeredBefore.put(new TopicPartition(Topics.QUESTIONS_EMBEDDED, p), new OffsetAndMetadata(m.offset() + 1));
            }
        }
        // the group had answered all of that before "the restart"
        try (KafkaConsumer<String, byte[]> c = TestKafka.clients().consumer("it", Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            c.commitSync(answeredBefore);
        }

        // new questions, already waiting when the service starts: a paraphrase of the original on partition 0, whose
        // own history is short, and three it cannot search
        float[] paraphrase = original.clone();
        for (int i = 0; i < paraphrase.length; i++) {
            paraphrase[i] += 0.05f * (float) r.nextGaussian();
        }
        float[] nan = DuplicateSearchTest.random(r);
        nan[3] = Float.NaN;
        try (KafkaProducer<String, byte[]> producer = producer()) {
            send(producer, 0, run + "-para", Json.toBytes(DuplicateSearchTest.q(run + "-para", paraphrase, "e")));
            send(producer, 0, run + "-nan", Json.toBytes(DuplicateSearchTest.q(run + "-nan", nan, "e")));
            send(producer, 1, run + "-other", Json.toBytes(new QuestionEmbedded(QuestionEmbedded.SCHEMA_VERSION, run + "-other",
                    "text", FloatVector.wrap(DuplicateSearchTest.random(r)), "other-embedder", 1, 0)));
            send(producer, 1, run + "-broken", "{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8));
        }

        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (TopicReader found = TopicReader.fromBeginning(Topics.DUPLICATES_FOUND);
             TopicReader dlq = TopicReader.fromBeginning(Topics.dlq(Topics.QUESTIONS_EMBEDDED));
             OnnxSession session = DuplicateSearchTest.cosineScorer();
             DuplicateSearch search = new DuplicateSearch(5);
             KafkaOutput output = TestKafka.clients().output("it");
             DuplicatesRunner runner = new DuplicatesRunner(TestKafka.clients(), group, search, output, () ->
                     new DuplicatesRunner.LeasedScorer() {
                         public DuplicateSearch.Scorer scorer() {
                             return cosine(session);
                         }

                         public void close() {
                         }
                     }, new BatchMetrics(meters, Topics.QUESTIONS_EMBEDDED, MODEL))) {
            runner.start();
            DuplicatesFound answer = Json.fromBytes(found.await(1, Duration.ofSeconds(60), rec -> (run + "-para").equals(rec.key())
                    && Json.fromBytes(rec.value(), DuplicatesFound.class).model().equals(MODEL)).get(0).value(), DuplicatesFound.class);
            assertThat(answer.candidates()).extracting(DuplicatesFound.Candidate::questionId).containsExactly(run + "-orig");
            assertThat(runner.replayed()).isTrue();

            Map<String, String> reasons = new HashMap<>();
            dlq.await(3, Duration.ofSeconds(60), rec -> rec.key() != null && rec.key().startsWith(run))
                    .forEach(rec -> reasons.put(rec.key(), TopicReader.header(rec, DeadLetter.HEADER_REASON_CODE)));
            assertThat(reasons).containsEntry(run + "-nan", RejectReason.NON_FINITE.name())
                    .containsEntry(run + "-other", RejectReason.UNKNOWN_MODEL.name())
                    .containsEntry(run + "-broken", RejectReason.MALFORMED_JSON.name());
            for (RejectReason reason : List.of(RejectReason.NON_FINITE, RejectReason.UNKNOWN_MODEL, RejectReason.MALFORMED_JSON)) {
                assertThat(meters.get(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_REASON, reason.name()).counter().count())
                        .isGreaterThanOrEqualTo(1.0);
            }
            // only the new questions were answered: the history was indexed, not searched again
            assertThat(found.drain(Duration.ofMillis(500))).filteredOn(rec -> rec.key() != null && rec.key().startsWith(run))
                    .extracting(rec -> rec.key()).containsExactly(run + "-para");
            assertThat(search.size()).isGreaterThanOrEqualTo(1512);
        }
    }
}
