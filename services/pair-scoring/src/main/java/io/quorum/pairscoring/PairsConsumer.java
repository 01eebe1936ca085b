package io.quorum.pairscoring;

import io.quorum.shared.service.Batches;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
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
        return Batches.ackWhenSent(batch, service.process(Batches.records(batch)));
    }
}
