package io.quorum.pairscoring.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.onnxruntime.OrtException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.pairscoring.search.IndexCheckpoint.Reason;
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
import io.quorum.shared.topics.TopicAdmin;
import io.quorum.shared.topics.TopicSpec;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The duplicate-search consumer on a real broker: after a restart no question is searched before every partition's
 * history is indexed; questions it cannot search are dead-lettered; a persisted index replays only the tail after its
 * checkpoint and answers exactly as a full rebuild would; tombstones remove questions; a corrupt index is rebuilt.
 * Each test has topics of its own.
 */
class DuplicatesRunnerIT {

    private static final String MODEL = "it-cosine-" + UUID.randomUUID().toString().substring(0, 8);
    private static OnnxSession session;

    @TempDir
    Path tmp;

    @BeforeAll
    static void model() throws OrtException {
        session = DuplicateSearchTest.cosineScorer();
    }

    @AfterAll
    static void closeModel() {
        session.close();
    }

    /** The cosine pair model; with threshold 0 every one of the top-k is a candidate (answers show the whole search). */
    private static DuplicateSearch.Scorer cosine(double threshold) {
        return new DuplicateSearch.Scorer() {
            public String model() {
                return MODEL;
            }

            public int version() {
                return 1;
            }

            public double threshold() {
                return threshold;
            }

            public int dimension() {
                return DuplicateSearchTest.DIM;
            }

            public String embedder() {
                return "e";
            }

            public float[] score(float[] left, float[][] rights) throws OrtException {
                return io.quorum.shared.model.PairScorerSpec.scoreAgainst(session, left, rights);
            }
        };
    }

    /** A compacted 3-partition questions topic of this run, its dead-letter topic and answer topics. */
    private static void topics(String questions, String... outputs) throws Exception {
        List<TopicSpec> specs = new ArrayList<>();
        specs.add(new TopicSpec(questions, 3, false, true, -1));
        specs.add(new TopicSpec(Topics.dlq(questions), 1, false, false, 3_600_000L));
        for (String out : outputs) {
            specs.add(new TopicSpec(out, 3, false, false, 3_600_000L));
        }
        try (TopicAdmin admin = TestKafka.clients().topicAdmin()) {
            admin.ensure(specs);
        }
    }

    /** A running consumer with its own output producer; closing it commits and closes the index. */
    private record Running(DuplicatesRunner runner, KafkaOutput output, SimpleMeterRegistry meters) implements AutoCloseable {
        @Override
        public void close() {
            runner.close();
            output.close();
        }
    }

    private static Running start(String topic, String out, Path dir, String group, double threshold) {
        return start(topic, out, dir, group, threshold, Quantization.INT8);
    }

    private static Running start(String topic, String out, Path dir, String group, double threshold,
                                 Quantization quantization) {
        return start(topic, out, dir, group, threshold, quantization, 40);
    }

    /**
     * Candidates beyond every index of these tests: the graph proposes every question, so two indexes built along
     * different paths (a checkpoint + its tail vs one rebuild: other segments, other int8 quantiles, other HNSW graphs)
     * are compared on their contents, not on two approximations.
     */
    static final int EXHAUSTIVE = 2_000;

    private static Running start(String topic, String out, Path dir, String group, double threshold,
                                 Quantization quantization, int candidates) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        KafkaOutput output = TestKafka.clients().output("it");
        DuplicatesRunner.Settings settings = new DuplicatesRunner.Settings(topic, out, dir, quantization, 16, 5, candidates,
                Duration.ofSeconds(1));
        DuplicatesRunner runner = new DuplicatesRunner(TestKafka.clients(), group, settings, output, () ->
                new DuplicatesRunner.LeasedScorer() {
                    public DuplicateSearch.Scorer scorer() {
                        return cosine(threshold);
                    }

                    public void close() {
                    }
                }, new BatchMetrics(meters, topic, MODEL), meters);
        runner.start();
        return new Running(runner, output, meters);
    }

    private static RecordMetadata send(KafkaProducer<String, byte[]> producer, String topic, int partition, String key,
                                       byte[] value) throws Exception {
        return producer.send(new ProducerRecord<>(topic, partition, key, value)).get();
    }

    private static byte[] question(String id, float[] v) {
        return Json.toBytes(DuplicateSearchTest.q(id, v, "e"));
    }

    private static float[] paraphrase(float[] v, Random r) {
        float[] p = v.clone();
        for (int i = 0; i < p.length; i++) {
            p[i] += 0.05f * (float) r.nextGaussian();
        }
        return p;
    }

    /** Commits {@code group} at the end of every partition of {@code topic}: all of it counts as answered. */
    private static void answeredUpToNow(String topic, String... groups) {
        for (String group : groups) {
            try (KafkaConsumer<String, byte[]> c = TestKafka.clients().consumer("it", Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
                List<TopicPartition> parts = List.of(0, 1, 2).stream().map(p -> new TopicPartition(topic, p)).toList();
                Map<TopicPartition, OffsetAndMetadata> ends = new HashMap<>();
                c.endOffsets(parts).forEach((tp, o) -> ends.put(tp, new OffsetAndMetadata(o)));
                c.commitSync(ends);
            }
        }
    }

    /** The checkpoint of the last commit of the index in {@code dir} (read without opening a writer). */
    private static IndexCheckpoint checkpoint(Path dir) throws Exception {
        try (FSDirectory d = FSDirectory.open(dir); DirectoryReader reader = DirectoryReader.open(d)) {
            return IndexCheckpoint.fromUserData(reader.getIndexCommit().getUserData());
        }
    }

    private static Map<Integer, Long> endOffsets(String topic) {
        try (KafkaConsumer<String, byte[]> c = TestKafka.clients().consumer("it", Map.of())) {
            Map<Integer, Long> ends = new HashMap<>();
            c.endOffsets(List.of(0, 1, 2).stream().map(p -> new TopicPartition(topic, p)).toList())
                    .forEach((tp, o) -> ends.put(tp.partition(), o));
            return ends;
        }
    }

    private static Map<String, DuplicatesFound> answers(TopicReader reader, String run, int count) {
        return reader.await(count, Duration.ofSeconds(60), rec -> rec.key() != null && rec.key().startsWith(run)).stream()
                .collect(Collectors.toMap(rec -> rec.key(), rec -> Json.fromBytes(rec.value(), DuplicatesFound.class), (a, b) -> b));
    }

    private static List<String> ids(DuplicatesFound f) {
        return f.candidates().stream().map(DuplicatesFound.Candidate::questionId).toList();
    }

    @Test
    void aRestartIndexesEveryPartitionBeforeSearchingAndDeadLettersWhatItCannotSearch() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "it.questions." + run;
        String out = "it.found." + run;
        topics(topic, out);
        String group = "it-duplicates-" + run;
        Random r = new Random(7);
        float[] original = DuplicateSearchTest.random(r);
        Map<TopicPartition, OffsetAndMetadata> answeredBefore = new HashMap<>();
        try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
            // history: 1,500 questions on partition 2, the planted original last among them; a few on partitions 0, 1
            for (int i = 0; i < 1500; i++) {
                send(producer, topic, 2, run + "-h2-" + i, question(run + "-h2-" + i, DuplicateSearchTest.random(r)));
            }
            RecordMetadata last = send(producer, topic, 2, run + "-orig", question(run + "-orig", original));
            answeredBefore.put(new TopicPartition(topic, 2), new OffsetAndMetadata(last.offset() + 1));
            for (int p = 0; p < 2; p++) {
                RecordMetadata m = null;
                for (int i = 0; i < 5; i++) {
                    m = send(producer, topic, p, run + "-h" + p + "-" + i, question(run + "-h" + p + "-" + i,
                            DuplicateSearchTest.random(r)));
                }
                answeredBefore.put(new TopicPartition(topic, p), new OffsetAndMetadata(m.offset() + 1));
            }
        }
        // the group had answered all of that before "the restart"
        try (KafkaConsumer<String, byte[]> c = TestKafka.clients().consumer("it", Map.of(ConsumerConfig.GROUP_ID_CONFIG, group))) {
            c.commitSync(answeredBefore);
        }

        // new questions, already waiting when the service starts: a paraphrase of the original on partition 0, whose
        // own history is short, and three it cannot search
        float[] nan = DuplicateSearchTest.random(r);
        nan[3] = Float.NaN;
        try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
            send(producer, topic, 0, run + "-para", question(run + "-para", paraphrase(original, r)));
            send(producer, topic, 0, run + "-nan", question(run + "-nan", nan));
            send(producer, topic, 1, run + "-other", Json.toBytes(new QuestionEmbedded(QuestionEmbedded.SCHEMA_VERSION,
                    run + "-other", "text", FloatVector.wrap(DuplicateSearchTest.random(r)), "other-embedder", 1, 0)));
            send(producer, topic, 1, run + "-broken", "{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8));
        }

        try (TopicReader found = TopicReader.fromBeginning(out);
             TopicReader dlq = TopicReader.fromBeginning(Topics.dlq(topic));
             Running running = start(topic, out, tmp.resolve("index"), group, 0.5)) {
            DuplicatesFound answer = answers(found, run + "-para", 1).get(run + "-para");
            assertThat(ids(answer)).containsExactly(run + "-orig");
            assertThat(running.runner().replayed()).isTrue();

            Map<String, String> reasons = new HashMap<>();
            dlq.await(3, Duration.ofSeconds(60), rec -> rec.key() != null && rec.key().startsWith(run))
                    .forEach(rec -> reasons.put(rec.key(), TopicReader.header(rec, DeadLetter.HEADER_REASON_CODE)));
            assertThat(reasons).containsEntry(run + "-nan", RejectReason.NON_FINITE.name())
                    .containsEntry(run + "-other", RejectReason.UNKNOWN_MODEL.name())
                    .containsEntry(run + "-broken", RejectReason.MALFORMED_JSON.name());
            for (RejectReason reason : List.of(RejectReason.NON_FINITE, RejectReason.UNKNOWN_MODEL, RejectReason.MALFORMED_JSON)) {
                assertThat(running.meters().get(Metrics.RECORDS_DEAD_LETTERED).tag(Metrics.TAG_REASON, reason.name())
                        .counter().count()).isGreaterThanOrEqualTo(1.0);
            }
            // only the new questions were answered: the history was indexed, not searched again
            assertThat(found.drain(Duration.ofMillis(500))).filteredOn(rec -> rec.key() != null && rec.key().startsWith(run))
                    .extracting(rec -> rec.key()).containsExactly(run + "-para");
            // 1,511 history + the paraphrase and the other embedder's question (indexed, not searched); not the NaN
            await().atMost(Duration.ofSeconds(30)).until(() -> running.runner().indexed() == 1513);
            assertThat(running.runner().lastRebuild().reason()).isEqualTo(Reason.NO_INDEX);
        }
    }

    @Test
    void aPersistedIndexReplaysOnlyTheTailAnswersAsAFullRebuildHonoursTombstonesAndIsRebuiltWhenCorrupt() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String topic = "it.questions." + run;
        String outResumed = "it.found.resumed." + run;
        String outRebuilt = "it.found.rebuilt." + run;
        String outCorrupt = "it.found.corrupt." + run;
        String outAgain = "it.found.again." + run;
        String outFloat = "it.found.float." + run;
        topics(topic, outResumed, outRebuilt, outCorrupt, outAgain, outFloat);
        String group = "it-dup-" + run;
        String otherGroup = "it-dup-rebuilt-" + run;
        Path persisted = tmp.resolve("persisted");
        Random r = new Random(11);
        int n1 = 400;
        int n2 = 200;
        float[][] h = new float[n1 + n2][];
        for (int i = 0; i < h.length; i++) {
            h[i] = DuplicateSearchTest.random(r);
        }
        String key5 = run + "-h-5";
        String key9 = run + "-h-9";
        try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
            for (int i = 0; i < n1; i++) {
                send(producer, topic, i % 3, run + "-h-" + i, question(run + "-h-" + i, h[i]));
            }
        }
        answeredUpToNow(topic, group);

        // first start: the index is built from the whole topic and committed
        Map<Integer, Long> firstEnds = endOffsets(topic);
        try (Running first = start(topic, outResumed, persisted, group, 0.0, Quantization.INT8, EXHAUSTIVE)) {
            await().atMost(Duration.ofSeconds(60)).until(first.runner()::replayed);
            assertThat(first.runner().lastRebuild().reason()).isEqualTo(Reason.NO_INDEX);
            assertThat(first.runner().replayedRecords()).isEqualTo(n1);
            assertThat(first.runner().indexed()).isEqualTo(n1);
            assertThat(first.meters().get(Metrics.DUPLICATES_REBUILDS).tag(Metrics.TAG_REASON, Reason.NO_INDEX.name())
                    .counter().count()).isEqualTo(1.0);
        }
        assertThat(checkpoint(persisted).nextOffsets()).as("the checkpoint covers the whole topic").isEqualTo(firstEnds);

        // while it is down: more history (answered, say, before a crash that lost the index's last commit), with a
        // tombstone for h-5; then new questions on one partition, so both runs below see them in the same order
        try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
            for (int i = n1; i < n1 + n2; i++) {
                send(producer, topic, i % 3, run + "-h-" + i, question(run + "-h-" + i, h[i]));
            }
            send(producer, topic, 5 % 3, key5, null);
        }
        answeredUpToNow(topic, group, otherGroup);
        List<String> live = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
            live.add(run + "-p5");
            send(producer, topic, 0, run + "-p5", question(run + "-p5", paraphrase(h[5], r)));
            live.add(run + "-p7");
            send(producer, topic, 0, run + "-p7", question(run + "-p7", paraphrase(h[7], r)));
            send(producer, topic, 0, key9, null); // a live tombstone, before a paraphrase of the question it removes
            live.add(run + "-p9");
            send(producer, topic, 0, run + "-p9", question(run + "-p9", paraphrase(h[9], r)));
            for (int j = 0; j < 10; j++) {
                int i = 20 + 50 * j;
                live.add(run + "-p" + i);
                send(producer, topic, 0, run + "-p" + i, question(run + "-p" + i, paraphrase(h[i], r)));
            }
        }

        Map<String, DuplicatesFound> resumed;
        Map<String, DuplicatesFound> rebuilt;
        double indexedRebuilt;
        try (TopicReader found = TopicReader.fromBeginning(outResumed);
             Running restart = start(topic, outResumed, persisted, group, 0.0, Quantization.INT8, EXHAUSTIVE)) {
            resumed = answers(found, run + "-p", live.size());
            assertThat(restart.runner().lastRebuild()).as("resumed from the checkpoint").isNull();
            assertThat(restart.runner().replayedRecords()).as("only the tail: h-400..599 and a tombstone").isEqualTo(n2 + 1);
            assertThat(restart.meters().get(Metrics.DUPLICATES_REPLAYED).gauge().value()).isEqualTo(n2 + 1.0);
            assertThat(restart.meters().find(Metrics.DUPLICATES_REBUILDS).counters()).as("no rebuild").isEmpty();
            // while live, the index is committed with the offsets it covers within the commit interval (1 s here)
            Map<Integer, Long> ends = endOffsets(topic);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> checkpoint(persisted).nextOffsets().equals(ends));
        }
        try (TopicReader found = TopicReader.fromBeginning(outRebuilt);
             Running full = start(topic, outRebuilt, tmp.resolve("fresh"), otherGroup, 0.0, Quantization.INT8, EXHAUSTIVE)) {
            rebuilt = answers(found, run + "-p", live.size());
            assertThat(full.runner().lastRebuild().reason()).isEqualTo(Reason.NO_INDEX);
            assertThat(full.runner().replayedRecords()).isEqualTo(n1 + n2 + 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> full.runner().indexed() == n1 + n2 - 2 + live.size());
            indexedRebuilt = full.runner().indexed();
        }

        assertThat(resumed.keySet()).containsExactlyInAnyOrderElementsOf(live);
        for (String id : live) {
            DuplicatesFound a = resumed.get(id);
            DuplicatesFound b = rebuilt.get(id);
            assertThat(ids(a)).as(id).containsExactlyElementsOf(ids(b)).hasSize(5);
            assertThat(a.candidates()).as(id).containsExactlyElementsOf(b.candidates());
            assertThat(a.searched()).isEqualTo(b.searched());
        }
        assertThat(ids(resumed.get(run + "-p7")).get(0)).isEqualTo(run + "-h-7");
        assertThat(ids(resumed.get(run + "-p20")).get(0)).isEqualTo(run + "-h-20");
        assertThat(ids(resumed.get(run + "-p5"))).as("tombstone in the replayed tail").doesNotContain(key5);
        assertThat(ids(resumed.get(run + "-p9"))).as("live tombstone").doesNotContain(key9);

        // a third start resumes with nothing to replay, and both deleted questions stay out across the restart: their
        // own vectors no longer find them, while a kept question's own vector finds it first
        try (TopicReader found = TopicReader.fromBeginning(outAgain);
             Running third = start(topic, outAgain, persisted, group, 0.0, Quantization.INT8, EXHAUSTIVE)) {
            await().atMost(Duration.ofSeconds(60)).until(third.runner()::replayed);
            assertThat(third.runner().lastRebuild()).isNull();
            assertThat(third.runner().replayedRecords()).isZero();
            assertThat(third.runner().indexed()).isEqualTo(indexedRebuilt);
            try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
                for (int i : new int[] {5, 7, 9}) {
                    send(producer, topic, 2, run + "-x" + i, question(run + "-x" + i, h[i]));
                }
            }
            Map<String, DuplicatesFound> exact = answers(found, run + "-x", 3);
            assertThat(ids(exact.get(run + "-x7")).get(0)).isEqualTo(run + "-h-7");
            assertThat(exact.get(run + "-x7").candidates().get(0).similarity()).isGreaterThan(0.999);
            assertThat(ids(exact.get(run + "-x5"))).doesNotContain(key5).hasSize(5);
            assertThat(ids(exact.get(run + "-x9"))).doesNotContain(key9).hasSize(5);
            // what comes first instead is the deleted question's paraphrase, still a known question
            assertThat(ids(exact.get(run + "-x5")).get(0)).isEqualTo(run + "-p5");
            assertThat(ids(exact.get(run + "-x9")).get(0)).isEqualTo(run + "-p9");
        }

        // the same index opened with another quantisation than it was built with: rebuilt from the topic, counted
        try (TopicReader found = TopicReader.fromBeginning(outFloat);
             Running other = start(topic, outFloat, persisted, group, 0.0, Quantization.NONE, EXHAUSTIVE)) {
            await().atMost(Duration.ofSeconds(60)).until(other.runner()::replayed);
            assertThat(other.runner().lastRebuild().reason()).isEqualTo(Reason.QUANTIZATION_CHANGED);
            assertThat(other.runner().replayedRecords()).isEqualTo(n1 + n2 + 1 + live.size() + 1 + 3);
            assertThat(other.runner().indexed()).isEqualTo(indexedRebuilt + 3);
            assertThat(other.meters().get(Metrics.DUPLICATES_REBUILDS)
                    .tag(Metrics.TAG_REASON, Reason.QUANTIZATION_CHANGED.name()).counter().count()).isEqualTo(1.0);
        }
        assertThat(checkpoint(persisted).quantization()).isEqualTo(Quantization.NONE);

        // a corrupt index (bits flipped in its commit point) is deleted and rebuilt from the topic
        Path segments;
        try (Stream<Path> s = Files.list(persisted)) {
            segments = s.filter(p -> p.getFileName().toString().startsWith("segments_")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(segments);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(segments, bytes);
        try (KafkaProducer<String, byte[]> producer = TestKafka.clients().producer("it", Map.of())) {
            send(producer, topic, 1, run + "-q11", question(run + "-q11", paraphrase(h[11], r)));
        }
        try (TopicReader found = TopicReader.fromBeginning(outCorrupt);
             Running again = start(topic, outCorrupt, persisted, group, 0.0, Quantization.INT8, EXHAUSTIVE)) {
            DuplicatesFound answer = answers(found, run + "-q11", 1).get(run + "-q11");
            assertThat(again.runner().lastRebuild().reason()).isEqualTo(Reason.UNREADABLE);
            assertThat(ids(answer).get(0)).isEqualTo(run + "-h-11");
            await().atMost(Duration.ofSeconds(30)).until(() -> again.runner().indexed() == indexedRebuilt + 3 + 1);
            assertThat(again.meters().get(Metrics.DUPLICATES_REBUILDS).tag(Metrics.TAG_REASON, Reason.UNREADABLE.name())
                    .counter().count()).isEqualTo(1.0);
        }
    }
}
