package io.quorum.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.PairLabeled;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** {@code quorum.pairs.labeled} in: kept as training data; may trigger a retrain. */
@ApplicationScoped
public class LabeledPairsConsumer {

    private static final EventCodec<PairLabeled> CODEC = EventCodec.of(PairLabeled.class, PairLabeled.SCHEMA_VERSION);

    @Inject
    TrainerService trainer;
    @Inject
    MeterRegistry meters;

    private BatchMetrics metrics;

    @Incoming("labeled-pairs")
    public void consume(ConsumerRecord<String, byte[]> record) throws IOException {
        if (metrics == null) {
            metrics = new BatchMetrics(meters, Topics.PAIRS_LABELED, "trainer");
        }
        InRecord in = new InRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                record.timestamp());
        BatchResult result = new BatchResult(1);
        try {
            PairLabeled p = CODEC.decode(record.value());
            if (p.left().isBlank() || p.right().isBlank()) {
                throw new InvalidEventException(RejectReason.EMPTY_TEXT, "a labelled pair needs two non-empty texts");
            }
            trainer.labeled().append(p);
            trainer.retrain().labeled();
        } catch (InvalidEventException e) {
            result.deadLetter(new DeadLetter(in, e.reason(), e.getMessage()));
            trainer.output().send(result).join();
        }
        metrics.result(result, 0);
    }
}
