package io.quorum.shared.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * Produces the outputs and dead letters of a batch with one idempotent producer, in order, and reports when all of
 * them are acknowledged. Order is kept per output partition (idempotence keeps it across retries), which is what
 * makes "no output of the old model version after the swap" hold for every partition.
 */
public final class KafkaOutput implements AutoCloseable {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(KafkaOutput.class);
    private static final int LOG_BURST = 20;

    private final KafkaProducer<String, byte[]> producer;
    private final String service;
    private long logWindow = Long.MIN_VALUE;
    private int logged;
    private long suppressed;

    /**
     * @param clients the process's client factory (security settings and all)
     * @param service name written to the {@code quorum-service} header of dead letters
     */
    KafkaOutput(KafkaClients clients, String service) {
        this(clients, service, Map.of());
    }

    /**
     * @param overrides this producer's own settings over the defaults and the shared settings (e.g. a larger
     *                  {@code max.request.size} for a service that dead-letters camera photos unchanged)
     */
    KafkaOutput(KafkaClients clients, String service, Map<String, ?> overrides) {
        // acks=all + idempotence are forced; batching defaults apply unless the settings tune them
        Map<String, Object> defaults = new HashMap<>();
        defaults.put(ProducerConfig.LINGER_MS_CONFIG, 1);
        defaults.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        defaults.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        defaults.keySet().removeAll(clients.settings().values().keySet());
        defaults.putAll(overrides);
        this.producer = clients.reliableProducer("output", defaults);
        this.service = service;
    }

    /** Sends every output, then every dead letter; the future completes when all are acknowledged. */
    public CompletableFuture<Void> send(BatchResult result) {
        List<OutRecord> outs = result.outputs();
        List<DeadLetter> dls = result.deadLetters();
        int total = outs.size() + dls.size();
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (total == 0) {
            done.complete(null);
            return done;
        }
        AtomicInteger pending = new AtomicInteger(total);
        for (OutRecord o : outs) {
            send(o, pending, done);
        }
        for (DeadLetter d : dls) {
            log(d);
            send(d.toOutRecord(service), pending, done);
        }
        return done;
    }

    /** One warning per dead letter naming the record and the reason, at most {@link #LOG_BURST} per 10 s. */
    private void log(DeadLetter d) {
        long window = System.nanoTime() / 10_000_000_000L;
        synchronized (this) {
            if (window != logWindow) {
                if (suppressed > 0) {
                    LOG.warnf("%d more dead letters in the last window were not logged (see %s)", suppressed,
                            "quorum_records_dead_lettered_total");
                }
                logWindow = window;
                logged = 0;
                suppressed = 0;
            }
            if (logged >= LOG_BURST) {
                suppressed++;
                return;
            }
            logged++;
        }
        LOG.warnf("dead letter: %s key=%s -> %s.dlq: %s %s", d.source().coordinates(), d.source().key(),
                d.source().topic(), d.reason(), d.message());
    }

    /** Sends one record; the future completes when it is acknowledged. */
    public CompletableFuture<Void> send(OutRecord record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        send(record, new AtomicInteger(1), done);
        return done;
    }

    private void send(OutRecord o, AtomicInteger pending, CompletableFuture<Void> done) {
        ProducerRecord<String, byte[]> pr = new ProducerRecord<>(o.topic(), o.key(), o.value());
        for (var h : o.headers().entrySet()) {
            pr.headers().add(new RecordHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        try {
            producer.send(pr, (meta, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else if (pending.decrementAndGet() == 0) {
                    done.complete(null);
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
