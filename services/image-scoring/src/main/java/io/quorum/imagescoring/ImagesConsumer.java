package io.quorum.imagescoring;

import io.quorum.shared.service.Batches;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * {@code quorum.images} in: one poll is one batch, scored with one inference call. The batch is acknowledged only once
 * every score and dead letter it produced is acknowledged by the broker, so a crash loses nothing.
 */
@ApplicationScoped
public class ImagesConsumer {

    @Inject
    ImageScoringService service;

    @Incoming("images-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return Batches.ackWhenSent(batch, service.process(Batches.records(batch)));
    }
}
