package io.quorum.trainer.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.topics.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** {@code quorum.training.requested} in: valid requests are queued, unreadable ones dead-lettered with the reason. */
@ApplicationScoped
public class TrainingRequestsConsumer {

    private static final Logger LOG = Logger.getLogger(TrainingRequestsConsumer.class);
    private static final EventCodec<TrainingRequested> CODEC = EventCodec.of(TrainingRequested.class, TrainingRequested.SCHEMA_VERSION);

    @Inject
    TrainerService trainer;
    @Inject
    MeterRegistry meters;

    private BatchMetrics metrics;

    @Incoming("training-requests")
    public void consume(ConsumerRecord<String, byte[]> record) {
        if (metrics == null) {
            metrics = new BatchMetrics(meters, Topics.TRAINING_REQUESTED, "trainer");
        }
        InRecord in = new InRecord(record.topic(), record.partition(), record.offset(), record.key(), record.value(),
                record.timestamp());
        BatchResult result = new BatchResult(1);
        try {
            TrainingRequested req = CODEC.decode(record.value());
            trainer.runner().submit(req);
        } catch (InvalidEventException e) {
            LOG.warnf("unreadable training request at %s: %s", in.coordinates(), e.getMessage());
            result.deadLetter(new DeadLetter(in, e.reason(), e.getMessage()));
            trainer.output().send(result).join();
        }
        metrics.result(result, 0);
    }
}
