package io.quorum.embedding;

import io.quorum.shared.service.Batches;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecordBatch;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** {@code quorum.questions} in, {@code quorum.questions.embedded} out; a batch is acked once its outputs are. */
@ApplicationScoped
public class QuestionsConsumer {

    @Inject
    EmbeddingService service;

    @Incoming("questions-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> consume(KafkaRecordBatch<String, byte[]> batch) {
        return Batches.ackWhenSent(batch, service.questions(Batches.records(batch)));
    }
}
