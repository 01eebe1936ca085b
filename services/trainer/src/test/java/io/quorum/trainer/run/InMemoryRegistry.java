package io.quorum.trainer.run;

import io.quorum.shared.events.ModelEvent;
import io.quorum.shared.model.RegistryClient;
import io.quorum.shared.model.RegistryState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry in memory with the Kafka registry's visibility rules: {@code publishAll} appends every event or none.
 * {@link #failTransactions(int)} makes the next transactions fail, as an aborted Kafka transaction does.
 */
final class InMemoryRegistry implements RegistryClient {

    private final List<ModelEvent> log = new ArrayList<>();
    private final AtomicInteger failingTransactions = new AtomicInteger();
    private final AtomicInteger transactions = new AtomicInteger();

    /** The next {@code n} calls of {@code publishAll} fail and make nothing visible. */
    void failTransactions(int n) {
        failingTransactions.set(n);
    }

    int transactions() {
        return transactions.get();
    }

    synchronized List<ModelEvent> events() {
        return List.copyOf(log);
    }

    @Override
    public synchronized RegistryState snapshot(Duration timeout) {
        RegistryState s = RegistryState.empty();
        for (ModelEvent e : log) {
            s = s.apply(e);
        }
        return s;
    }

    @Override
    public synchronized void publish(ModelEvent event) {
        log.add(event);
    }

    @Override
    public synchronized void publishAll(List<? extends ModelEvent> events) {
        transactions.incrementAndGet();
        if (failingTransactions.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IllegalStateException("could not publish " + events.size() + " model events (none is visible): "
                    + "transaction aborted (test)");
        }
        log.addAll(events);
    }
}
