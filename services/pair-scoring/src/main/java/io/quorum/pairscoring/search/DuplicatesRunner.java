package io.quorum.pairscoring.search;

import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Feeds {@link DuplicateSearch} from {@code quorum.questions.embedded}. On start it reads the compacted topic from the
 * beginning: questions below the group's committed offsets were answered before and are only indexed (the index is
 * rebuilt), later ones are searched, answered on {@code quorum.duplicates.found} and committed once the answers are
 * acknowledged. No question is searched before every partition's history is indexed. A question that cannot be
 * searched (unreadable, another embedder or dimension than the model's, NaN, a failed inference) goes to
 * {@code quorum.questions.embedded.dlq} with its reason, is counted and logged. One instance owns the index (a
 * single-replica component).
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

    private final KafkaClients clients;
    private final String groupId;
    private final DuplicateSearch search;
    private final KafkaOutput output;
    private final Supplier<LeasedScorer> scorers;
    private final BatchMetrics metrics;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean replayed;
    private volatile long answered;

    public DuplicatesRunner(KafkaClients clients, String groupId, DuplicateSearch search, KafkaOutput output,
                            Supplier<LeasedScorer> scorers, BatchMetrics metrics) {
        this.metrics = metrics;
        this.clients = clients;
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
                Map<TopicPartition, Long> ends = c.endOffsets(parts);
                Map<TopicPartition, Long> liveFrom = new HashMap<>();
                for (TopicPartition tp : parts) {
                    OffsetAndMetadata om = committed.get(tp);
                    // past the end only if the topic was recreated: then everything in it is new
                    liveFrom.put(tp, om == null ? 0L : Math.min(om.offset(), ends.getOrDefault(tp, 0L)));
                }
                c.seekToBeginning(parts);
                List<ConsumerRecord<String, byte[]>> pending = replay(c, parts, liveFrom);
                if (!running.get()) {
                    break;
                }
                Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
                List<CompletableFuture<Void>> sends = new ArrayList<>();
                for (ConsumerRecord<String, byte[]> r : pending) {
                    live(r, sends, toCommit);
                }
                finish(c, sends, toCommit);
                while (running.get()) {
                    var records = c.poll(Duration.ofMillis(500));
                    toCommit = new HashMap<>();
                    sends = new ArrayList<>();
                    for (ConsumerRecord<String, byte[]> r : records) {
                        live(r, sends, toCommit);
                    }
                    finish(c, sends, toCommit);
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

    /**
     * Rebuilds the index: indexes every partition's records below its committed offset. A partition that reaches its
     * first live record is paused and the record kept, so that no question is searched before every partition's history
     * is in the index. Returns the kept live records, in the order they came.
     */
    private List<ConsumerRecord<String, byte[]>> replay(KafkaConsumer<String, byte[]> c, List<TopicPartition> parts,
                                                        Map<TopicPartition, Long> liveFrom) {
        List<ConsumerRecord<String, byte[]>> pending = new ArrayList<>();
        java.util.Set<TopicPartition> paused = new java.util.HashSet<>();
        long indexed = 0;
        long unreadable = 0;
        while (running.get() && !caughtUp(c, parts, liveFrom, paused)) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= liveFrom.get(tp)) {
                    pending.add(r);
                    if (paused.add(tp)) {
                        c.pause(List.of(tp));
                    }
                } else if (r.value() != null) {
                    try {
                        search.index(CODEC.decode(r.value()));
                        indexed++;
                    } catch (InvalidEventException e) {
                        unreadable++; // dead-lettered when it was live
                    }
                }
            }
        }
        c.resume(paused);
        if (running.get() && !replayed) {
            replayed = true;
            LOG.infof("duplicate search index rebuilt: %d questions from %s (%d unreadable records left out); "
                    + "%d new questions to answer", indexed, Topics.QUESTIONS_EMBEDDED, unreadable, pending.size());
        }
        return pending;
    }

    /** Answers one live record: its duplicates, or a dead letter with the reason. */
    private void live(ConsumerRecord<String, byte[]> r, List<CompletableFuture<Void>> sends,
                      Map<TopicPartition, OffsetAndMetadata> toCommit) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        toCommit.put(tp, new OffsetAndMetadata(r.offset() + 1));
        if (r.value() == null) {
            return; // compaction tombstone
        }
        InRecord in = new InRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.timestamp());
        BatchResult result = new BatchResult(1);
        QuestionEmbedded q = null;
        try {
            q = CODEC.decode(r.value());
        } catch (InvalidEventException e) {
            result.deadLetter(new DeadLetter(in, e.reason(), e.getMessage()));
        }
        if (q != null) {
            try (LeasedScorer s = scorers.get()) {
                DuplicateSearch.Unsearchable why = DuplicateSearch.check(q, s.scorer());
                if (why != null) {
                    boolean kept = why.reason() != io.quorum.shared.events.RejectReason.NON_FINITE;
                    search.index(q);
                    result.deadLetter(new DeadLetter(in, why.reason(), why.message()
                            + (kept ? "; indexed for later searches, not searched" : "")));
                } else {
                    DuplicatesFound found = search.search(q, s.scorer());
                    result.output(OutRecord.of(Topics.DUPLICATES_FOUND, q.questionId(), Json.toBytes(found)));
                    answered++;
                }
            } catch (ai.onnxruntime.OrtException | RuntimeException e) {
                try {
                    search.index(q);
                } catch (RuntimeException notIndexable) {
                    LOG.debugf("question %s not indexed: %s", q.questionId(), notIndexable);
                }
                result.deadLetter(new DeadLetter(in, io.quorum.shared.events.RejectReason.INFERENCE_FAILED,
                        "duplicate search failed: " + e));
            }
        }
        metrics.result(result, r.timestamp());
        sends.add(output.send(result));
    }

    private void finish(KafkaConsumer<String, byte[]> c, List<CompletableFuture<Void>> sends,
                        Map<TopicPartition, OffsetAndMetadata> toCommit) {
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        if (!toCommit.isEmpty()) {
            c.commitSync(toCommit);
        }
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> c, List<TopicPartition> parts,
                                    Map<TopicPartition, Long> liveFrom, java.util.Set<TopicPartition> paused) {
        for (TopicPartition tp : parts) {
            if (!paused.contains(tp) && c.position(tp) < liveFrom.get(tp)) {
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
        return clients.consumer("duplicate-search", Map.of(ConsumerConfig.GROUP_ID_CONFIG, groupId,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500,
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000));
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
