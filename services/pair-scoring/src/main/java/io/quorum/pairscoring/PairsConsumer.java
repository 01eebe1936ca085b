package io.quorum.pairscoring;

import io.quorum.shared.kafka.InRecord;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordBatchMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code quorum.pairs.embedded} in: one poll is one batch, scored with one inference. The batch is acknowledged
 * (and its offsets become committable) only once every output and dead letter is acknowledged by the broker, so a
 * crash loses nothing; the next batch is processed meanwhile.
 */
@ApplicationScoped
public class PairsConsumer {

    @Inject
    PairScoringService service;

    @Incoming("pairs-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        @SuppressWarnings("unchecked")
        IncomingKafkaRecordBatchMetadata<String, byte[]> meta =
                batch.getMetadata(IncomingKafkaRecordBatchMetadata.class).orElseThrow();
        List<InRecord> records = new ArrayList<>(meta.count());
        for (ConsumerRecord<String, byte[]> r : meta.getRecords()) {
            records.add(new InRecord(r.topic(), r.partition(), r.offset(), r.key(), r.value(), r.timestamp()));
        }
        service.process(records).whenComplete((ok, error) -> {
            if (error == null) {
                batch.ack();
            } else {
                batch.nack(error);
            }
        });
        return CompletableFuture.completedFuture(null);
    }
}
