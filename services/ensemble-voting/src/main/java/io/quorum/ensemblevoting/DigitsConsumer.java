package io.quorum.ensemblevoting;

import io.quorum.shared.service.Batches;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code quorum.digits} in: one poll is one batch, voted on with one fused inference. The batch is acknowledged (its
 * offsets become committable) only once every classification, suspicious digit and dead letter it produced is
 * acknowledged by the broker, so a crash loses nothing; the next batch is processed meanwhile.
 */
@ApplicationScoped
public class DigitsConsumer {

    @Inject
    EnsembleVotingService service;

    @Incoming("digits-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return Batches.ackWhenSent(batch, service.process(Batches.records(batch)));
    }
}
