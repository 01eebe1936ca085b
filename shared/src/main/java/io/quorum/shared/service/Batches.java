package io.quorum.shared.service;

import io.quorum.shared.kafka.InRecord;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Glue between SmallRye Kafka batches and the plain batch logic of the services. */
public final class Batches {

    private Batches() {
    }

    /** The records of one poll, in order. */
    public static List<InRecord> records(KafkaRecordBatch<String, byte[]> batch) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordBatchMetadata<String, byte[]> meta =
                batch.getMetadata(IncomingKafkaRecordBatchMetadata.class).orElseThrow();
        List<InRecord> records = new ArrayList<>(meta.count());
        for (ConsumerRecord<String, byte[]> r : meta.getRecords()) {
            records.add(new InRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.timestamp(), headers(r)));
        }
        return records;
    }

    /** The record's headers as UTF-8 text (the last value of a repeated key; a null value is skipped). */
    public static java.util.Map<String, String> headers(ConsumerRecord<String, byte[]> r) {
        if (r.headers() == null) {
            return java.util.Map.of();
        }
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        for (org.apache.kafka.common.header.Header h : r.headers()) {
            if (h.value() != null) {
                out.put(h.key(), new String(h.value(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /**
     * Acknowledges {@code batch} when {@code sent} completes (its offsets become committable), or nacks it with the
     * send failure; returns at once so the next batch is processed while this one's outputs are in flight.
     */
    public static CompletionStage<Void> ackWhenSent(KafkaRecordBatch<String, byte[]> batch, CompletableFuture<Void> sent) {
        sent.whenComplete((ok, error) -> {
            if (error == null) {
                batch.ack();
            } else {
                batch.nack(error);
            }
        });
        return CompletableFuture.completedFuture(null);
    }
}
