package io.quorum.pairscoring.search;

import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * Feeds {@link DuplicateSearch} from {@code quorum.questions.embedded}. On start it reads the compacted topic from the
 * beginning: questions below the group's committed offsets were answered before and are only indexed (the index is
 * rebuilt), later ones are searched, answered on {@code quorum.duplicates.found} and committed once the answers are
 * acknowledged. One instance owns the index (a single-replica component).
 */
public final class DuplicatesRunner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DuplicatesRunner.class);
    private static final EventCodec<QuestionEmbedded> CODEC = EventCodec.of(QuestionEmbedded.class, QuestionEmbedded.SCHEMA_VERSION);

    /** A leased scorer: released when the search of one record is done. */
    public interface LeasedScorer extends AutoCloseable {
        DuplicateSearch.Scorer scorer();

        @Override
        void close();
    }

    private final String bootstrap;
    private final String groupId;
    private final DuplicateSearch search;
    private final KafkaOutput output;
    private final Supplier<LeasedScorer> scorers;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean replayed;
    private volatile long answered;

    public DuplicatesRunner(String bootstrap, String groupId, DuplicateSearch search, KafkaOutput output,
                            Supplier<LeasedScorer> scorers) {
        this.bootstrap = bootstrap;
        this.groupId = groupId;
        this.search = search;
        this.output = output;
        this.scorers = scorers;
        this.thread = new Thread(this::run, "quorum-duplicate-search");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** True once the index holds every question answered before this start. */
    public boolean replayed() {
        return replayed;
    }

    public long answered() {
        return answered;
    }

    private void run() {
        while (running.get()) {
            try (KafkaConsumer<String, byte[]> c = newConsumer()) {
                consumer = c;
                List<TopicPartition> parts = partitions(c);
                c.assign(parts);
                Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new java.util.HashSet<>(parts));
                Map<TopicPartition, Long> liveFrom = new HashMap<>();
                for (TopicPartition tp : parts) {
                    OffsetAndMetadata om = committed.get(tp);
                    liveFrom.put(tp, om == null ? 0L : om.offset());
                }
                c.seekToBeginning(parts);
                long indexed = 0;
                while (running.get()) {
                    var records = c.poll(Duration.ofMillis(500));
                    Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
                    List<CompletableFuture<Void>> sends = new ArrayList<>();
                    for (ConsumerRecord<String, byte[]> r : records) {
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        boolean live = r.offset() >= liveFrom.get(tp);
                        InRecord in = new InRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.timestamp());
                        if (r.value() == null) {
                            continue; // compaction tombstone
                        }
                        QuestionEmbedded q;
                        try {
                            q = CODEC.decode(r.value());
                        } catch (InvalidEventException e) {
                            if (live) {
                                sends.add(output.send(new BatchResult(1).deadLetter(new DeadLetter(in, e.reason(), e.getMessage()))));
                                toCommit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                            }
                            continue;
                        }
                        if (!live) {
                            search.index(q);
                            indexed++;
                            continue;
                        }
                        markReplayed(indexed);
                        try (LeasedScorer s = scorers.get()) {
                            DuplicatesFound found = search.search(q, s.scorer());
                            if (found != null) {
                                sends.add(output.send(OutRecord.of(Topics.DUPLICATES_FOUND, q.questionId(), Json.toBytes(found))));
                                answered++;
                            }
                        } catch (ai.onnxruntime.OrtException | RuntimeException e) {
                            LOG.warnf("duplicate search failed for %s: %s", q.questionId(), e.toString());
                        }
                        toCommit.put(tp, new OffsetAndMetadata(r.offset() + 1));
                    }
                    if (records.isEmpty() || caughtUp(c, parts, liveFrom)) {
                        markReplayed(indexed);
                    }
                    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
                    if (!toCommit.isEmpty()) {
                        c.commitSync(toCommit);
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                if (running.get()) {
                    LOG.warnf(e, "duplicate search consumer failed; restarting in 1 s");
                    replayed = false;
                    sleep(1000);
                }
            }
        }
    }

    private void markReplayed(long indexed) {
        if (!replayed) {
            replayed = true;
            LOG.infof("duplicate search index rebuilt: %d questions from %s", indexed, Topics.QUESTIONS_EMBEDDED);
        }
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> c, List<TopicPartition> parts, Map<TopicPartition, Long> liveFrom) {
        for (TopicPartition tp : parts) {
            if (c.position(tp) < liveFrom.get(tp)) {
                return false;
            }
        }
        return true;
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        while (running.get()) {
            var infos = c.partitionsFor(Topics.QUESTIONS_EMBEDDED, Duration.ofSeconds(10));
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            sleep(1000);
        }
        return List.of();
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, groupId + "-" + ProcessHandle.current().pid());
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running.set(false);
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
