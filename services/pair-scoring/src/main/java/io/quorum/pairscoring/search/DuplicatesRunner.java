package io.quorum.pairscoring.search;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.QuestionEmbedded;
import io.quorum.shared.events.VectorCodec;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.service.Batches;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.metrics.Metrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Feeds {@link DuplicateSearch} from the compacted {@code quorum.questions.embedded}. On start it opens the index
 * persisted on local disk and reads each partition from the first offset the index lacks (its checkpoint), or from the
 * beginning when the index must be rebuilt ({@link IndexStore} says why). Questions below the group's committed
 * offsets were answered before and are only indexed; later ones are searched, answered on
 * {@code quorum.duplicates.found} and committed once the answers are acknowledged. No question is searched before
 * every partition is indexed up to the group's offsets (a partition that reaches its first new question pauses). A
 * tombstone (null value) removes its question from the index. The index is committed with the offsets it covers
 * after the replay, every {@code commitInterval} while live and on close, and only at points where it holds exactly
 * the records below those offsets. A question that cannot be searched goes to the topic's dead-letter topic with its
 * reason. One instance owns the index (a single-replica component). See DESIGN.md.
 */
public final class DuplicatesRunner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DuplicatesRunner.class);
    /** Longest time between two checkpoints of a caught-up index while nothing arrives. */
    static final Duration CHECKPOINT_REFRESH = Duration.ofHours(1);
    /** JSON and binary content mode, told apart per record by its headers. */
    private static final VectorCodec<QuestionEmbedded> CODEC = VectorCodec.questions();

    /** A leased scorer: released when the search of one record is done. */
    public interface LeasedScorer extends AutoCloseable {
        DuplicateSearch.Scorer scorer();

        @Override
        void close();
    }

    /**
     * How the runner reads, indexes and answers.
     *
     * @param topic          the compacted topic of embedded questions
     * @param outputTopic    where answers go
     * @param indexDir       directory of the persisted index of {@code topic}, or null to keep it in memory
     * @param quantization   how the HNSW graph stores vectors
     * @param ramBufferMb    the index writer's buffer before it writes a segment
     * @param topK           nearest questions re-scored per new question
     * @param candidates     candidates the graph proposes before exact re-ranking
     * @param commitInterval longest time between two index commits while records arrive
     */
    public record Settings(String topic, String outputTopic, Path indexDir, Quantization quantization, double ramBufferMb,
                           int topK, int candidates, Duration commitInterval) {
    }

    private final KafkaClients clients;
    private final String groupId;
    private final Settings settings;
    private final KafkaOutput output;
    private final Supplier<LeasedScorer> scorers;
    private final BatchMetrics metrics;
    private final Timer searchTimer;
    private final MeterRegistry meters;
    private final Counter deleted;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile DuplicateSearch search;
    private volatile boolean replayed;
    private volatile long answered;
    private volatile double replaySeconds;
    private volatile long replayedRecords;
    private volatile IndexCheckpoint.Rebuild lastRebuild;

    public DuplicatesRunner(KafkaClients clients, String groupId, Settings settings, KafkaOutput output,
                            Supplier<LeasedScorer> scorers, BatchMetrics metrics, MeterRegistry meters) {
        this.clients = clients;
        this.groupId = groupId;
        this.settings = settings;
        this.output = output;
        this.scorers = scorers;
        this.metrics = metrics;
        this.meters = meters;
        this.searchTimer = Timer.builder(Metrics.DUPLICATES_SEARCH)
                .description("One new question searched in the index and its candidates re-scored")
                .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(meters);
        this.deleted = Counter.builder(Metrics.DUPLICATES_DELETED).description("Questions removed by a tombstone")
                .register(meters);
        Gauge.builder(Metrics.DUPLICATES_INDEXED, this, DuplicatesRunner::indexed)
                .description("Questions in the duplicate-search index").register(meters);
        Gauge.builder(Metrics.DUPLICATES_INDEX_SIZE, this, DuplicatesRunner::indexBytes).baseUnit("bytes")
                .description("Files of the duplicate-search index on disk").register(meters);
        Gauge.builder(Metrics.DUPLICATES_REPLAY, this, DuplicatesRunner::replaySeconds).baseUnit("seconds")
                .description("Last start of duplicate search: opening the index to ready").register(meters);
        Gauge.builder(Metrics.DUPLICATES_REPLAYED, this, r -> r.replayedRecords).baseUnit("records")
                .description("Records read by the last start before it was ready").register(meters);
        FunctionCounter.builder(Metrics.DUPLICATES_ANSWERED, this, DuplicatesRunner::answered)
                .description("New questions answered on the duplicates topic").register(meters);
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

    /** Questions in the index now (0 before it is opened). */
    public double indexed() {
        DuplicateSearch s = search;
        try {
            return s == null ? 0 : s.index().lastKnownSize();
        } catch (RuntimeException closedMeanwhile) {
            return 0;
        }
    }

    /** Bytes of the index files (0 in memory or before it is opened). */
    public double indexBytes() {
        DuplicateSearch s = search;
        try {
            return s == null ? 0 : s.index().sizeOnDisk();
        } catch (RuntimeException closedMeanwhile) {
            return 0;
        }
    }

    /** Seconds the last start took from opening the index to ready. */
    public double replaySeconds() {
        return replaySeconds;
    }

    /** Why the last start rebuilt the index, or null when it resumed a persisted one. */
    public IndexCheckpoint.Rebuild lastRebuild() {
        return lastRebuild;
    }

    /** Records the last start read before it was ready. */
    public long replayedRecords() {
        return replayedRecords;
    }

    private void run() {
        while (running.get()) {
            DuplicateSearch s = null;
            Session session = null;
            try (KafkaConsumer<String, byte[]> c = newConsumer()) {
                consumer = c;
                long t0 = System.nanoTime();
                IndexCheckpoint.TopicState topic = topicState(c);
                if (topic == null) {
                    break; // closing
                }
                List<TopicPartition> parts = topic.endOffsets().keySet().stream().sorted()
                        .map(p -> new TopicPartition(settings.topic(), p)).toList();
                c.assign(parts);
                Map<TopicPartition, OffsetAndMetadata> committed = c.committed(new HashSet<>(parts));
                Map<Integer, Long> answeredUpTo = new HashMap<>();
                committed.forEach((tp, om) -> {
                    if (om != null) {
                        answeredUpTo.put(tp.partition(), om.offset());
                    }
                });
                IndexStore.Opened opened = IndexStore.open(settings.indexDir(), settings.quantization(),
                        settings.ramBufferMb(), topic, answeredUpTo, System.currentTimeMillis());
                s = new DuplicateSearch(opened.index(), settings.topK(), settings.candidates());
                search = s;
                lastRebuild = opened.rebuild();
                if (opened.rebuild() != null) {
                    Counter.builder(Metrics.DUPLICATES_REBUILDS).tag(Metrics.TAG_REASON, opened.rebuild().reason().name())
                            .description("Starts that rebuilt the duplicate-search index from the topic").register(meters)
                            .increment();
                }
                session = new Session(c, s, topic.topicId());
                Map<TopicPartition, Long> liveFrom = new HashMap<>();
                for (TopicPartition tp : parts) {
                    int p = tp.partition();
                    long begin = topic.beginOffsets().getOrDefault(p, 0L);
                    long end = topic.endOffsets().get(p);
                    IndexCheckpoint cp = opened.checkpoint();
                    long start = cp != null && cp.nextOffsets().containsKey(p) ? cp.next(p) : begin;
                    session.covered.put(tp, start);
                    c.seek(tp, start);
                    Long group = answeredUpTo.get(p);
                    // no committed offset: a resumed index's records count as answered (the group's offsets expired);
                    // past the end only if the topic was recreated: then everything in it is new
                    long from = group != null ? group : cp != null ? start : 0L;
                    liveFrom.put(tp, Math.min(from, end));
                }
                List<ConsumerRecord<String, byte[]>> pending = replay(session, parts, liveFrom, t0, opened);
                if (!running.get()) {
                    session.close(true);
                    break;
                }
                process(session, pending);
                while (running.get()) {
                    process(session, c.poll(Duration.ofMillis(500)));
                }
                session.close(true);
            } catch (WakeupException e) {
                if (session != null) {
                    session.close(!session.inBatch);
                } else if (s != null) {
                    s.close();
                }
            } catch (RuntimeException e) {
                if (session != null) {
                    session.close(false);
                } else if (s != null) {
                    s.close();
                }
                if (running.get()) {
                    LOG.warnf(e, "duplicate search consumer failed; reopening the index from its last commit in 1 s");
                    replayed = false;
                    sleep(1000);
                }
            } finally {
                search = null;
            }
        }
    }

    /** One pass of the consumer over one opened index: what the index covers and when it was last committed. */
    private final class Session {
        final KafkaConsumer<String, byte[]> consumer;
        final DuplicateSearch search;
        /** partition -> the first offset not yet applied to the index */
        final Map<TopicPartition, Long> covered = new HashMap<>();
        final String topicId;
        boolean inBatch;
        boolean dirty;
        long lastCommit = System.nanoTime();

        Session(KafkaConsumer<String, byte[]> consumer, DuplicateSearch search, String topicId) {
            this.consumer = consumer;
            this.search = search;
            this.topicId = topicId;
        }

        /** Commits the index with the offsets it covers, if anything changed since the last commit. */
        void commit() {
            if (!dirty || settings.indexDir() == null) {
                return;
            }
            Map<Integer, Long> offsets = new HashMap<>();
            covered.forEach((tp, o) -> offsets.put(tp.partition(), o));
            search.index().commit(new IndexCheckpoint(IndexCheckpoint.FORMAT, settings.topic(), topicId, offsets,
                    settings.quantization(), System.currentTimeMillis()).toUserData());
            dirty = false;
            lastCommit = System.nanoTime();
        }

        /**
         * Commits after {@code commitInterval} when something changed, and at least every {@link #CHECKPOINT_REFRESH}
         * even when nothing did: the checkpoint's time then stays recent on a quiet topic, so a restart after a long
         * quiet spell resumes instead of rebuilding for {@code TOMBSTONES_EXPIRED}.
         */
        void maybeCommit() {
            long since = System.nanoTime() - lastCommit;
            if (dirty && since >= settings.commitInterval().toNanos() || since >= CHECKPOINT_REFRESH.toNanos()) {
                dirty = true;
                commit();
            }
        }

        /**
         * Closes the index, committing first (even when nothing changed, to date the checkpoint now) when it holds
         * exactly what {@link #covered} says.
         */
        void close(boolean commit) {
            try {
                if (commit) {
                    dirty = true;
                    commit();
                }
            } catch (RuntimeException e) {
                LOG.warnf(e, "duplicate-search index not committed on close; the next start replays from its last commit");
            } finally {
                search.close();
            }
        }
    }

    /**
     * Indexes every partition's records below its live offset, from where the index stands. A partition that reaches
     * its first live record is paused and the record kept, so that no question is searched before every partition's
     * history is in the index. Commits the index as it goes (every commit interval) and when done. Returns the kept
     * live records, in the order they came.
     */
    private List<ConsumerRecord<String, byte[]>> replay(Session s, List<TopicPartition> parts,
                                                        Map<TopicPartition, Long> liveFrom, long t0,
                                                        IndexStore.Opened opened) {
        KafkaConsumer<String, byte[]> c = s.consumer;
        List<ConsumerRecord<String, byte[]>> pending = new ArrayList<>();
        Set<TopicPartition> paused = new HashSet<>();
        long indexed = 0;
        long tombstones = 0;
        long unreadable = 0;
        long read = 0;
        while (running.get() && !caughtUp(c, parts, liveFrom, paused)) {
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= liveFrom.get(tp)) {
                    pending.add(r);
                    if (paused.add(tp)) {
                        c.pause(List.of(tp));
                    }
                    continue;
                }
                read++;
                if (r.value() == null) {
                    if (r.key() != null) {
                        s.search.delete(r.key());
                        deleted.increment();
                        tombstones++;
                    }
                } else {
                    try {
                        s.search.index(CODEC.decode(r.value(), Batches.headers(r)));
                        indexed++;
                    } catch (InvalidEventException e) {
                        unreadable++; // dead-lettered when it was live
                    }
                }
                s.covered.put(tp, r.offset() + 1);
                s.dirty = true;
            }
            s.maybeCommit();
        }
        c.resume(paused);
        if (running.get()) {
            s.dirty = true; // a caught-up index is committed even when nothing was read: its checkpoint is now current
            s.commit();
            replaySeconds = (System.nanoTime() - t0) / 1e9;
            replayedRecords = read;
            replayed = true;
            String how = opened.rebuild() == null ? "resumed from its checkpoint, tail replayed"
                    : "rebuilt from the beginning (" + opened.rebuild().reason() + ": " + opened.rebuild().message() + ")";
            LOG.infof("duplicate search index %s in %.1f s: %d records read from %s (%d indexed, %d tombstones, %d "
                            + "unreadable left out); %d questions in the index; %d new questions to answer", how,
                    replaySeconds, read, settings.topic(), indexed, tombstones, unreadable, s.search.size(), pending.size());
        }
        return pending;
    }

    /** Answers a batch of live records, then commits their offsets once every answer is acknowledged. */
    private void process(Session s, Iterable<ConsumerRecord<String, byte[]>> records) {
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        List<CompletableFuture<Void>> sends = new ArrayList<>();
        s.inBatch = true;
        for (ConsumerRecord<String, byte[]> r : records) {
            live(s.search, r, sends, toCommit);
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        if (!toCommit.isEmpty()) {
            s.consumer.commitSync(toCommit);
            toCommit.forEach((tp, om) -> s.covered.put(tp, om.offset()));
            s.dirty = true;
        }
        s.inBatch = false;
        s.maybeCommit();
    }

    /** Answers one live record: its duplicates, or a dead letter with the reason; a tombstone removes a question. */
    private void live(DuplicateSearch search, ConsumerRecord<String, byte[]> r, List<CompletableFuture<Void>> sends,
                      Map<TopicPartition, OffsetAndMetadata> toCommit) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        toCommit.put(tp, new OffsetAndMetadata(r.offset() + 1));
        if (r.value() == null) {
            if (r.key() != null) {
                search.delete(r.key());
                deleted.increment();
            }
            return;
        }
        InRecord in = new InRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.timestamp(),
                Batches.headers(r));
        BatchResult result = new BatchResult(1);
        QuestionEmbedded q = null;
        try {
            q = CODEC.decode(r.value(), in.headers());
        } catch (InvalidEventException e) {
            result.deadLetter(new DeadLetter(in, e.reason(), e.getMessage()));
        }
        if (q != null) {
            try (LeasedScorer leased = scorers.get()) {
                DuplicateSearch.Unsearchable why = DuplicateSearch.check(q, leased.scorer());
                if (why != null) {
                    boolean kept = why.reason() != RejectReason.NON_FINITE;
                    search.index(q);
                    result.deadLetter(new DeadLetter(in, why.reason(), why.message()
                            + (kept ? "; indexed for later searches, not searched" : "")));
                } else {
                    long t = System.nanoTime();
                    DuplicatesFound found = search.search(q, leased.scorer());
                    searchTimer.record(System.nanoTime() - t, TimeUnit.NANOSECONDS);
                    result.output(OutRecord.of(settings.outputTopic(), q.questionId(), Json.toBytes(found)));
                    answered++;
                }
            } catch (ai.onnxruntime.OrtException | RuntimeException e) {
                try {
                    search.index(q);
                } catch (RuntimeException notIndexable) {
                    LOG.debugf("question %s not indexed: %s", q.questionId(), notIndexable);
                }
                result.deadLetter(new DeadLetter(in, RejectReason.INFERENCE_FAILED, "duplicate search failed: " + e));
            }
        }
        metrics.result(result, r.timestamp());
        sends.add(output.send(result));
    }

    private static boolean caughtUp(KafkaConsumer<String, byte[]> c, List<TopicPartition> parts,
                                    Map<TopicPartition, Long> liveFrom, Set<TopicPartition> paused) {
        for (TopicPartition tp : parts) {
            if (!paused.contains(tp) && c.position(tp) < liveFrom.get(tp)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The topic as it is now (id, first and end offsets, tombstone retention), waiting until it exists; null when
     * closing meanwhile.
     */
    private IndexCheckpoint.TopicState topicState(KafkaConsumer<String, byte[]> c) {
        String name = settings.topic();
        while (running.get()) {
            try (Admin admin = clients.admin("duplicate-search")) {
                TopicDescription d = admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS).get(name);
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, name);
                Config config = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
                ConfigEntry retention = config == null ? null : config.get("delete.retention.ms");
                long deleteRetention = retention == null || retention.value() == null ? -1 : Long.parseLong(retention.value());
                List<TopicPartition> parts = d.partitions().stream().map(p -> new TopicPartition(name, p.partition())).toList();
                Map<Integer, Long> begin = new HashMap<>();
                Map<Integer, Long> end = new HashMap<>();
                c.beginningOffsets(parts).forEach((tp, o) -> begin.put(tp.partition(), o));
                c.endOffsets(parts).forEach((tp, o) -> end.put(tp.partition(), o));
                return new IndexCheckpoint.TopicState(name, d.topicId().toString(), begin, end, deleteRetention);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    LOG.warnf("cannot describe %s yet: %s", name, e.getCause());
                }
            } catch (TimeoutException e) {
                LOG.warnf("cannot describe %s yet: timed out", name);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            sleep(1000);
        }
        return null;
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

    /** Stops the consumer; the index is committed with the offsets it covers (unless stopped mid-batch) and closed. */
    @Override
    public void close() {
        running.set(false);
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
