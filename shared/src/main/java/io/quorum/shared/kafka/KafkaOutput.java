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
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Produces the outputs and dead letters of a batch with one idempotent producer, in order, and reports when all of
 * them are acknowledged. Order is kept per output partition (idempotence keeps it across retries), which is what
 * makes "no output of the old model version after the swap" hold for every partition.
 */
public final class KafkaOutput implements AutoCloseable {

    private final KafkaProducer<String, byte[]> producer;
    private final String service;

    /**
     * @param config  producer config (bootstrap servers at least); reliability settings are forced
     * @param service name written to the {@code quorum-service} header of dead letters
     */
    public KafkaOutput(Map<String, Object> config, String service) {
        Map<String, Object> c = new HashMap<>(config);
        c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 1);
        c.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        c.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "quorum-" + service + "-output");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        this.producer = new KafkaProducer<>(c, new StringSerializer(), new ByteArraySerializer());
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
            send(d.toOutRecord(service), pending, done);
        }
        return done;
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
