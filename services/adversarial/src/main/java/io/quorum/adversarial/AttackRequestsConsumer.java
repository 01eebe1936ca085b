package io.quorum.adversarial;

import io.quorum.shared.service.Batches;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code quorum.attacks.requested} in: one poll is one batch of requests. The batch is acknowledged (its offsets
 * become committable) only once every adversarial, summary, red-team digit and dead letter it produced is
 * acknowledged by the broker, so a crash loses no request; the next batch is processed meanwhile.
 */
@ApplicationScoped
public class AttackRequestsConsumer {

    @Inject
    AdversarialService service;

    @Incoming("attacks-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return Batches.ackWhenSent(batch, service.process(Batches.records(batch)));
    }
}
