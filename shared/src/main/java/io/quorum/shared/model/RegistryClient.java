package io.quorum.shared.model;

import io.quorum.shared.events.ModelEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * What publishers need of the model registry: read it, append one event, or append several all-or-nothing.
 * {@link ModelRegistry} is the Kafka implementation; tests use an in-memory one.
 */
public interface RegistryClient {

    /** The registry as of now (every event up to the current end). */
    RegistryState snapshot(Duration timeout) throws TimeoutException, InterruptedException;

    /** Appends {@code event} and waits until it is durable; throws when it could not be appended. */
    void publish(ModelEvent event);

    /**
     * Appends {@code events} so that readers see all of them or none; throws when they could not be appended, and
     * then none is visible.
     */
    void publishAll(List<? extends ModelEvent> events);
}
