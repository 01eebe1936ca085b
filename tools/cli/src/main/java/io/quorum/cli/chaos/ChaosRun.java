package io.quorum.cli.chaos;

import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * One chaos scenario, measured: {@code pairs} identified {@link PairSubmitted} records go to {@code quorum.pairs} at a
 * steady rate; when a third of them are sent the fault is injected (and repaired, as a supervisor would); every
 * answer on {@code quorum.pairs.scored} and every dead letter of the pair topics is counted per pair id. A pair is
 * <em>lost</em> when the broker acknowledged it and it was neither scored nor dead-lettered by the end of the drain
 * time; <em>duplicated</em> when it was scored more than once (at-least-once redelivery: the copies carry the same
 * pair id, so a consumer deduplicates them by it). See {@code DESIGN.md} in this package.
 */
public final class ChaosRun {

    /** How much load, when the fault comes, how long to wait for the stragglers. */
    public record Settings(int pairs, double ratePerSecond, Duration drainTimeout, Duration grace) {
        public Settings {
            if (pairs < 3 || ratePerSecond <= 0) {
                throw new IllegalArgumentException("need at least 3 pairs and a positive rate");
            }
        }
    }

    /** What one scenario measured. */
    public record Report(String scenario, String description, int sent, int sendFailures, int scored, int lost,
                         List<String> lostIds, int deadLettered, Map<String, Integer> deadLetterReasons, int duplicatedPairs,
                         int duplicateRecords, double faultAtSeconds, double repairSeconds, double recoverySeconds,
                         double longestOutputGapSeconds, Map<String, Double> latencyMs, Map<String, Integer> scoredBy,
                         String error) {
    }

    private static final String[][] QUESTIONS = {
            {"How do I learn Java quickly?", "What is the fastest way to learn Java?"},
            {"How can I lose weight without dieting?", "What are good ways to lose weight fast?"},
            {"Why is the sky blue?", "What makes the sky look blue during the day?"},
            {"How do I start investing with little money?", "What should a beginner invest in first?"},
            {"Is it healthy to drink coffee every day?", "What are the effects of daily coffee drinking?"},
            {"How do I improve my English speaking skills?", "How can I speak English more fluently?"},
            {"What is the best programming language for beginners?", "Which language should I learn to code first?"},
            {"How does a black hole form?", "What causes a star to become a black hole?"}};

    private final ChaosSystem system;
    private final Settings settings;
    private final Consumer<String> log;

    public ChaosRun(ChaosSystem system, Settings settings, Consumer<String> log) {
        this.system = system;
        this.settings = settings;
        this.log = log;
    }

    /** Runs {@code scenario} and reports what it measured; a fault that cannot be injected ends in the report's error. */
    public Report run(ChaosScenario scenario) throws InterruptedException {
        int n = settings.pairs();
        String prefix = "chaos-" + UUID.randomUUID().toString().substring(0, 8) + "-" + scenario.id() + "-";
        Tally tally = new Tally(n, prefix);
        KafkaClients clients = system.clients();
        Reader reader = new Reader(clients, tally);
        reader.start();
        AtomicReference<String> error = new AtomicReference<>();
        long[] sentAt = new long[n];
        AtomicIntegerArray acked = new AtomicIntegerArray(n);
        AtomicLong faultAt = new AtomicLong();
        AtomicLong repairNanos = new AtomicLong(-1);
        CompletableFuture<Void> fault = null;
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = clients.reliableProducer("chaos-sender", Map.of(
                ProducerConfig.LINGER_MS_CONFIG, 5, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000, ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000))) {
            for (int i = 0; i < n; i++) {
                long due = start + (long) (i * 1e9 / settings.ratePerSecond());
                for (long wait; (wait = due - System.nanoTime()) > 0; ) {
                    LockSupport.parkNanos(Math.min(wait, 5_000_000));
                }
                if (i == n / 3) {
                    fault = CompletableFuture.runAsync(() -> inject(scenario, tally, faultAt, repairNanos, error));
                }
                if (i == 2 * n / 3 && scenario == ChaosScenario.REBALANCE) {
                    tally.leaveSignal.set(true);
                }
                int index = i;
                String[] q = QUESTIONS[i % QUESTIONS.length];
                PairSubmitted p = new PairSubmitted(PairSubmitted.SCHEMA_VERSION, prefix + i, "l" + i, q[0] + " (" + i + ")",
                        "r" + i, q[1] + " (" + i + ")", null, System.currentTimeMillis());
                sentAt[i] = System.nanoTime();
                producer.send(new ProducerRecord<>(Topics.PAIRS, p.pairId(), Json.toBytes(p)), (meta, e) -> {
                    if (e == null) {
                        acked.set(index, 1);
                    } else {
                        acked.set(index, -1);
                        tally.sendError.compareAndSet(null, e.toString());
                    }
                });
            }
            producer.flush();
        }
        if (fault != null) {
            fault.join();
        }
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (System.nanoTime() < deadline && !tally.allAccountedFor(acked)) {
            Thread.sleep(100);
        }
        Thread.sleep(settings.grace().toMillis()); // late redeliveries still count as duplicates
        reader.close();
        if (reader.failure.get() != null) {
            error.compareAndSet(null, "reading the outputs failed: " + reader.failure.get());
        }
        return tally.report(scenario, sentAt, acked, start, faultAt.get(), repairNanos.get(), error.get());
    }

    /**
     * Injects the fault of {@code scenario} and repairs it. Records when the fault took effect (the process gone, the
     * second instance in the group, the new version announced) and how long the repair took (the restart until
     * ready, the second instance's start, the publication).
     */
    private void inject(ChaosScenario scenario, Tally tally, AtomicLong faultAt, AtomicLong repairNanos,
                        AtomicReference<String> error) {
        try {
            switch (scenario) {
                case BROKER_KILL -> {
                    system.killBroker();
                    faultAt.set(System.nanoTime());
                    log.accept("  broker killed; restarting it");
                    system.restartBroker();
                    repairNanos.set(System.nanoTime() - faultAt.get());
                }
                case SCORING_KILL, EMBEDDING_KILL -> {
                    String service = scenario == ChaosScenario.SCORING_KILL ? "pair-scoring" : "embedding";
                    system.killService(service);
                    faultAt.set(System.nanoTime());
                    log.accept("  " + service + " killed; restarting it");
                    system.restartService(service);
                    repairNanos.set(System.nanoTime() - faultAt.get());
                }
                case REBALANCE -> {
                    long t0 = System.nanoTime();
                    try (AutoCloseable extra = system.startExtraInstance("pair-scoring")) {
                        faultAt.set(System.nanoTime()); // it has joined: the group rebalances now
                        repairNanos.set(faultAt.get() - t0);
                        log.accept("  a second pair-scoring instance joined the group");
                        while (!tally.leaveSignal.get()) {
                            Thread.sleep(50);
                        }
                    }
                    log.accept("  the second pair-scoring instance left the group");
                }
                case HOT_SWAP -> {
                    String model = tally.awaitServingModel(Duration.ofSeconds(120));
                    long t0 = System.nanoTime();
                    int version = system.hotSwap(model);
                    faultAt.set(System.nanoTime()); // the new version is announced
                    repairNanos.set(faultAt.get() - t0);
                    log.accept("  published " + model + " v" + version + " as champion");
                }
                default -> throw new IllegalStateException(scenario.toString());
            }
        } catch (Exception e) {
            error.compareAndSet(null, scenario.id() + " could not be injected or repaired: " + e);
        } finally {
            if (faultAt.get() == 0) {
                faultAt.set(System.nanoTime());
            }
        }
    }

    /** Everything the reader saw, per pair index. */
    static final class Tally {
        final int n;
        final String prefix;
        final AtomicIntegerArray scored;
        final AtomicIntegerArray dead;
        final AtomicLongArray firstAnswerAt;
        final Map<String, Integer> scoredBy = new TreeMap<>();
        final Map<String, Integer> deadReasons = new TreeMap<>();
        final AtomicReference<String> servingModel = new AtomicReference<>();
        final AtomicReference<String> sendError = new AtomicReference<>();
        final AtomicBoolean leaveSignal = new AtomicBoolean();
        final List<Long> answerTimes = new ArrayList<>();

        Tally(int n, String prefix) {
            this.n = n;
            this.prefix = prefix;
            this.scored = new AtomicIntegerArray(n);
            this.dead = new AtomicIntegerArray(n);
            this.firstAnswerAt = new AtomicLongArray(n);
        }

        /** The index of a key of this run, or -1. */
        int index(String key) {
            if (key == null || !key.startsWith(prefix)) {
                return -1;
            }
            try {
                int i = Integer.parseInt(key, prefix.length(), key.length(), 10);
                return i >= 0 && i < n ? i : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        synchronized void scored(int i, PairScored s, long now) {
            if (scored.getAndIncrement(i) == 0 && dead.get(i) == 0) {
                firstAnswerAt.set(i, now);
                answerTimes.add(now);
            }
            scoredBy.merge(s.model() + " v" + s.modelVersion(), 1, Integer::sum);
            servingModel.compareAndSet(null, s.model());
        }

        synchronized void deadLettered(int i, String reason, long now) {
            if (dead.getAndIncrement(i) == 0 && scored.get(i) == 0) {
                firstAnswerAt.set(i, now);
                answerTimes.add(now);
            }
            deadReasons.merge(reason, 1, Integer::sum);
        }

        boolean allAccountedFor(AtomicIntegerArray acked) {
            for (int i = 0; i < n; i++) {
                if (acked.get(i) == 1 && scored.get(i) == 0 && dead.get(i) == 0) {
                    return false;
                }
            }
            return true;
        }

        String awaitServingModel(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (servingModel.get() == null) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no pair was scored within " + timeout + ": nothing to swap");
                }
                Thread.sleep(50);
            }
            return servingModel.get();
        }

        synchronized Report report(ChaosScenario scenario, long[] sentAt, AtomicIntegerArray acked, long start, long faultAt,
                                   long repairNanos, String error) {
            int sent = 0;
            int failures = 0;
            int scoredPairs = 0;
            int lost = 0;
            int deadPairs = 0;
            int duplicated = 0;
            int duplicateRecords = 0;
            List<String> lostIds = new ArrayList<>();
            List<Double> latencies = new ArrayList<>();
            long firstAfterFault = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                if (acked.get(i) != 1) {
                    failures += acked.get(i) == -1 ? 1 : 0;
                    continue;
                }
                sent++;
                int s = scored.get(i);
                if (s > 0) {
                    scoredPairs++;
                } else if (dead.get(i) > 0) {
                    deadPairs++;
                } else {
                    lost++;
                    if (lostIds.size() < 20) {
                        lostIds.add(prefix + i);
                    }
                }
                if (s > 1) {
                    duplicated++;
                    duplicateRecords += s - 1;
                }
                if (firstAnswerAt.get(i) > 0) {
                    latencies.add((firstAnswerAt.get(i) - sentAt[i]) / 1e6);
                    if (sentAt[i] >= faultAt) {
                        firstAfterFault = Math.min(firstAfterFault, firstAnswerAt.get(i));
                    }
                }
            }
            long gap = 0;
            List<Long> times = new ArrayList<>(answerTimes);
            times.sort(Long::compare);
            for (int i = 1; i < times.size(); i++) {
                gap = Math.max(gap, times.get(i) - times.get(i - 1));
            }
            double[] lat = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            Map<String, Double> latency = new TreeMap<>();
            if (lat.length > 0) {
                latency.put("p50", round(lat[(int) (0.50 * (lat.length - 1))]));
                latency.put("p99", round(lat[(int) Math.ceil(0.99 * (lat.length - 1))]));
                latency.put("max", round(lat[lat.length - 1]));
            }
            String err = error != null ? error : sendError.get() != null ? "send failures: " + sendError.get() : null;
            return new Report(scenario.id(), scenario.description(), sent, failures, scoredPairs, lost, lostIds, deadPairs,
                    Map.copyOf(deadReasons), duplicated, duplicateRecords, round((faultAt - start) / 1e9),
                    repairNanos < 0 ? -1 : round(repairNanos / 1e9),
                    firstAfterFault == Long.MAX_VALUE ? -1 : round((firstAfterFault - faultAt) / 1e9), round(gap / 1e9),
                    latency, Map.copyOf(scoredBy), err);
        }
    }

    /** Reads the scored topic and the pair dead-letter topics from their current ends. */
    private static final class Reader implements AutoCloseable {
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final java.util.concurrent.CountDownLatch positioned = new java.util.concurrent.CountDownLatch(1);

        Reader(KafkaClients clients, Tally tally) {
            this.thread = new Thread(() -> read(clients, tally), "chaos-reader");
            this.thread.setDaemon(true);
        }

        void start() throws InterruptedException {
            thread.start();
            positioned.await();
        }

        private void read(KafkaClients clients, Tally tally) {
            List<String> topics = List.of(Topics.PAIRS_SCORED, Topics.dlq(Topics.PAIRS), Topics.dlq(Topics.PAIRS_EMBEDDED));
            try (KafkaConsumer<String, byte[]> c = clients.consumer("chaos-reader", Map.of(
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000))) {
                List<TopicPartition> parts = new ArrayList<>();
                for (String t : topics) {
                    c.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(t, i.partition())));
                }
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                positioned.countDown();
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                        long now = System.nanoTime();
                        int i = tally.index(r.key());
                        if (i < 0) {
                            continue;
                        }
                        if (r.topic().equals(Topics.PAIRS_SCORED)) {
                            tally.scored(i, Json.fromBytes(r.value(), PairScored.class), now);
                        } else {
                            Header h = r.headers().lastHeader(DeadLetter.HEADER_REASON_CODE);
                            tally.deadLettered(i, h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8), now);
                        }
                    }
                }
            } catch (RuntimeException e) {
                failure.set(e);
            } finally {
                positioned.countDown();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(10_000);
        }
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Ids in {@code ids} printed compactly, for logs. */
    static String sample(List<String> ids) {
        return Arrays.toString(ids.stream().limit(5).toArray());
    }
}
