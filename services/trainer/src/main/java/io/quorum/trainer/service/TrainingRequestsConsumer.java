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
import io.quorum.trainer.run.RequestLimits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * {@code quorum.training.requested} in: valid requests are queued; unreadable ones and ones breaking the request
 * limits ({@link RequestLimits}: size, parameters, job id form) are dead-lettered with the reason code. A readable
 * request the runner refuses (unknown job, data outside the data directory, full queue) ends as a FAILED job with
 * its reason on {@code quorum.training.progress}.
 */
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
            // the same limits as POST /jobs; a request breaking one is dead-lettered with the reason code
            RequestLimits limits = trainer.limits();
            Optional<RequestLimits.Violation> violation = limits.checkSize(record.value() == null ? 0 : record.value().length);
            if (violation.isPresent()) {
                throw new InvalidEventException(violation.get().reason(), violation.get().message());
            }
            TrainingRequested req = CODEC.decode(record.value());
            violation = limits.check(req.jobId(), req.job(), req.params(), req.requestedBy());
            if (violation.isPresent()) {
                throw new InvalidEventException(violation.get().reason(), violation.get().message());
            }
            trainer.runner().submit(req);
        } catch (InvalidEventException e) {
            LOG.warnf("refused training request at %s: %s", in.coordinates(), e.getMessage());
            result.deadLetter(new DeadLetter(in, e.reason(), e.getMessage()));
            trainer.output().send(result).join();
        }
        metrics.result(result, 0);
    }
}
