package io.quorum.embedding;

import io.quorum.shared.service.Batches;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** {@code quorum.pairs} in, {@code quorum.pairs.embedded} out; a batch is acked once its outputs are. */
@ApplicationScoped
public class PairsConsumer {

    @Inject
    EmbeddingService service;

    @Incoming("pairs-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return Batches.ackWhenSent(batch, service.pairs(Batches.records(batch)));
    }
}
