package io.quorum.shared.model;

import io.quorum.shared.events.AliasMoved;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.ModelEvent;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The model registry on Kafka: {@link ModelEvent}s on the compacted, single-partition {@code quorum.models} topic.
 * Publishing is a synchronous, idempotent produce; reading folds the topic from the beginning into a
 * {@link RegistryState}; following keeps folding in a background thread. No consumer group is used: every reader
 * sees the whole topic. See {@code DESIGN.md} in this package.
 */
public final class ModelRegistry implements RegistryClient, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);
    private static final EventCodec<ModelEvent> CODEC = EventCodec.of(ModelEvent.class, ModelPublished.SCHEMA_VERSION);

    private final KafkaClients clients;
    private final String topic;
    private KafkaProducer<String, byte[]> producer;
    private KafkaProducer<String, byte[]> transactional;

    public ModelRegistry(KafkaClients clients) {
        this(clients, Topics.MODELS);
    }

    public ModelRegistry(KafkaClients clients, String topic) {
        this.clients = clients;
        this.topic = topic;
    }

    /** Appends {@code event} to the registry topic and waits until the broker has it. */
    @Override
    public synchronized void publish(ModelEvent event) {
        if (producer == null) {
            producer = clients.reliableProducer("registry", Map.of());
        }
        try {
            producer.send(new ProducerRecord<>(topic, event.key(), Json.toBytes(event))).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + event.key(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not publish " + event.key() + " to " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends {@code events} in one Kafka transaction: readers (which read committed records only) see all of them or
     * none, so a model published with its companions never appears half-published. Throws when the transaction could
     * not be committed; nothing of it is then visible.
     */
    @Override
    public synchronized void publishAll(List<? extends ModelEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        if (transactional == null) {
            // a stable id per owner: a restarted trainer aborts what its killed predecessor left open at once,
            // instead of every registry reader waiting for the transaction timeout (read_committed stops there)
            KafkaProducer<String, byte[]> p = clients.reliableProducer("registry-tx",
                    Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, clients.transactionalId("registry")));
            try {
                p.initTransactions();
            } catch (RuntimeException e) {
                p.close(Duration.ofSeconds(5));
                throw new IllegalStateException("cannot start a transaction on " + topic + ": " + e.getMessage(), e);
            }
            transactional = p;
        }
        try {
            transactional.beginTransaction();
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (ModelEvent event : events) {
                sent.add(transactional.send(new ProducerRecord<>(topic, event.key(), Json.toBytes(event))));
            }
            transactional.commitTransaction();
            for (var f : sent) {
                f.get(30, TimeUnit.SECONDS);
            }
        } catch (org.apache.kafka.common.errors.ProducerFencedException
                 | org.apache.kafka.common.errors.OutOfOrderSequenceException
                 | org.apache.kafka.common.errors.AuthorizationException e) {
            closeTransactional();
            throw new IllegalStateException("could not publish " + events.size() + " model events to " + topic + ": " + e, e);
        } catch (RuntimeException | ExecutionException | TimeoutException e) {
            try {
                transactional.abortTransaction();
            } catch (RuntimeException abortFailed) {
                closeTransactional();
            }
            throw new IllegalStateException("could not publish " + events.size() + " model events to " + topic
                    + " (none is visible): " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeTransactional();
            throw new IllegalStateException("interrupted while publishing model events", e);
        }
    }

    private void closeTransactional() {
        if (transactional != null) {
            transactional.close(Duration.ofSeconds(5));
            transactional = null;
        }
    }

    /** Points {@code alias} of {@code name} at {@code version}, which must be published. Returns the event. */
    public AliasMoved moveAlias(String name, String alias, int version, String reason, Duration timeout)
            throws TimeoutException, InterruptedException {
        RegistryState state = snapshot(timeout);
        var history = state.model(name).orElseThrow(() -> new IllegalArgumentException("no model named '" + name + "'"));
        if (history.version(version).isEmpty()) {
            throw new IllegalArgumentException(name + " has no version " + version + "; versions: " + history.versions().keySet());
        }
        AliasMoved moved = new AliasMoved(AliasMoved.SCHEMA_VERSION, name, alias, version, history.aliases().get(alias),
                reason, System.currentTimeMillis());
        publish(moved);
        return moved;
    }

    /** Reads the registry topic from the beginning to its current end. */
    @Override
    public RegistryState snapshot(Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer = newConsumer()) {
            List<TopicPartition> partitions = awaitPartitions(consumer, deadline);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            RegistryState state = RegistryState.empty();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("registry topic " + topic + " not read to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    state = fold(state, r);
                }
            }
            return state;
        }
    }

    /**
     * Follows the registry in a background thread: {@code listener} gets the full state after the initial read and
     * after every later batch of events. Close the returned follower to stop.
     */
    public Follower follow(Consumer<RegistryState> listener) {
        Follower f = new Follower(listener);
        f.thread.start();
        return f;
    }

    /** A background reader of the registry topic. */
    public final class Follower implements AutoCloseable {
        private final Thread thread;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<RegistryState> state = new AtomicReference<>(RegistryState.empty());
        private final AtomicBoolean caughtUp = new AtomicBoolean();
        private volatile KafkaConsumer<String, byte[]> consumer;

        private Follower(Consumer<RegistryState> listener) {
            this.thread = new Thread(() -> run(listener), "quorum-registry-follower");
            this.thread.setDaemon(true);
        }

        /** The latest folded state. */
        public RegistryState state() {
            return state.get();
        }

        /** True once the topic was read to the end it had when following began. */
        public boolean caughtUp() {
            return caughtUp.get();
        }

        private void run(Consumer<RegistryState> listener) {
            while (running.get()) {
                try (KafkaConsumer<String, byte[]> c = newConsumer()) {
                    consumer = c;
                    List<TopicPartition> partitions = awaitPartitions(c, Long.MAX_VALUE);
                    c.assign(partitions);
                    c.seekToBeginning(partitions);
                    Map<TopicPartition, Long> end = c.endOffsets(partitions);
                    RegistryState s = RegistryState.empty();
                    boolean announced = false;
                    while (running.get()) {
                        boolean changed = false;
                        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                            s = fold(s, r);
                            changed = true;
                        }
                        state.set(s);
                        boolean upToDate = reachedEnd(c, end);
                        if (upToDate && (!announced || changed)) {
                            caughtUp.set(true);
                            announced = true;
                            safeNotify(listener, s);
                        }
                    }
                } catch (WakeupException e) {
                    // closing
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (TimeoutException | RuntimeException e) {
                    if (running.get()) {
                        LOG.warnf(e, "registry follower failed, restarting in 1s");
                        sleepQuietly(1000);
                    }
                }
            }
        }

        private void safeNotify(Consumer<RegistryState> listener, RegistryState s) {
            try {
                listener.accept(s);
            } catch (RuntimeException e) {
                LOG.error("registry listener failed", e);
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

    private RegistryState fold(RegistryState state, ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return state; // tombstone: versions are never deleted, ignore
        }
        try {
            return state.apply(CODEC.decode(r.value()));
        } catch (InvalidEventException e) {
            LOG.warnf("skipping unreadable registry record at %s-%d@%d (%s): %s", r.topic(), r.partition(), r.offset(),
                    e.reason(), e.getMessage());
            return state;
        }
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<String, byte[]> consumer, long deadlineNanos)
            throws InterruptedException, TimeoutException {
        while (true) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                infos = List.of();
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            }
            if (System.nanoTime() > deadlineNanos) {
                throw new TimeoutException("registry topic " + topic + " does not exist");
            }
            Thread.sleep(250);
        }
    }

    private static boolean reachedEnd(KafkaConsumer<String, byte[]> consumer, Map<TopicPartition, Long> end) {
        for (var e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private KafkaConsumer<String, byte[]> newConsumer() {
        return clients.consumer("registry-reader", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"));
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
        closeTransactional();
    }
}
