package io.quorum.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Retries, coalescing and bounds of progress delivery, with a fake transport instead of Kafka. */
class ProgressDeliveryTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    /** Every send it gets, answered by {@code answer}. */
    static final class FakeTransport implements ProgressDelivery.Transport {
        final List<TrainingProgress> sends = Collections.synchronizedList(new ArrayList<>());
        final List<TrainingProgress> acknowledged = Collections.synchronizedList(new ArrayList<>());
        volatile Function<TrainingProgress, CompletableFuture<Void>> answer = p -> CompletableFuture.completedFuture(null);

        @Override
        public CompletionStage<?> send(TrainingProgress p) {
            sends.add(p);
            CompletableFuture<Void> f = answer.apply(p);
            return f.thenRun(() -> acknowledged.add(p));
        }

        List<String> acknowledgedMessages() {
            synchronized (acknowledged) {
                return acknowledged.stream().map(p -> p.jobId() + ":" + p.message()).toList();
            }
        }
    }

    /** Fails the first {@code n} sends, then acknowledges. */
    private static Function<TrainingProgress, CompletableFuture<Void>> failFirst(int n) {
        int[] left = {n};
        return p -> {
            synchronized (left) {
                if (left[0]-- > 0) {
                    return CompletableFuture.failedFuture(new org.apache.kafka.common.errors.TimeoutException("broker down"));
                }
            }
            return CompletableFuture.completedFuture(null);
        };
    }

    private static ProgressDelivery.Settings fast(Duration giveUpAfter) {
        return new ProgressDelivery.Settings(Duration.ofMillis(200), Duration.ofMillis(1), Duration.ofMillis(5), giveUpAfter,
                3, 100, Duration.ofSeconds(5));
    }

    private static TrainingProgress event(String job, TrainingProgress.State state, String message) {
        return new TrainingProgress(1, job, "pair-scorer", state, 0, 0, 0, Double.NaN, 0, -1, Map.of(), message, null, 0,
                false, 0);
    }

    private static double count(SimpleMeterRegistry meters, String name, String state) {
        var search = meters.find(name);
        if (state != null) {
            search = search.tag(Metrics.TAG_STATE, state);
        }
        var c = search.counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aTerminalEventIsRetriedUntilAcknowledged() {
        FakeTransport t = new FakeTransport();
        t.answer = failFirst(4);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ProgressDelivery d = new ProgressDelivery(t, fast(Duration.ofMinutes(1)), meters)) {
            d.emit(event("a", TrainingProgress.State.PUBLISHED, "done"));
            await().atMost(WAIT).until(() -> t.acknowledged.size() == 1);
            assertThat(t.sends).hasSize(5);
            assertThat(count(meters, Metrics.TRAINING_PROGRESS_RETRIES, null)).isEqualTo(4.0);
            assertThat(count(meters, Metrics.TRAINING_PROGRESS_FAILED, "PUBLISHED")).isZero();
        }
    }

    @Test
    void aTerminalEventThatCannotBeSentIsGivenUpAfterTheBoundWithAMetric() {
        FakeTransport t = new FakeTransport();
        t.answer = p -> CompletableFuture.failedFuture(new IllegalStateException("broker gone"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ProgressDelivery d = new ProgressDelivery(t, fast(Duration.ofMillis(100)), meters)) {
            d.emit(event("a", TrainingProgress.State.FAILED, "diverged"));
            await().atMost(WAIT).until(() -> count(meters, Metrics.TRAINING_PROGRESS_FAILED, "FAILED") == 1.0);
            assertThat(t.sends.size()).as("retried before giving up").isGreaterThan(3);
            // and the sender goes on with the next event
            t.answer = p -> CompletableFuture.completedFuture(null);
            d.emit(event("b", TrainingProgress.State.PUBLISHED, "ok"));
            await().atMost(WAIT).until(() -> t.acknowledgedMessages().contains("b:ok"));
        }
    }

    @Test
    void aSlowAcknowledgementOfATerminalEventIsAwaitedNotSentTwice() {
        FakeTransport t = new FakeTransport();
        CompletableFuture<Void> slow = new CompletableFuture<>();
        t.answer = p -> slow;
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ProgressDelivery d = new ProgressDelivery(t, fast(Duration.ofMinutes(1)), meters)) {
            d.emit(event("a", TrainingProgress.State.CANCELLED, "cancelled"));
            // several send timeouts (200 ms) pass without an acknowledgement: still the one send
            await().during(Duration.ofMillis(700)).atMost(WAIT).until(() -> t.sends.size() == 1);
            slow.complete(null);
            await().atMost(WAIT).until(() -> t.acknowledged.size() == 1);
            assertThat(t.sends).hasSize(1);
        }
    }

    @Test
    void intermediateEventsOfAJobAreCoalescedWhileTheSenderIsBusy() {
        FakeTransport t = new FakeTransport();
        CompletableFuture<Void> held = new CompletableFuture<>();
        t.answer = p -> p.message().equals("a1") ? held : CompletableFuture.completedFuture(null);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ProgressDelivery d = new ProgressDelivery(t, new ProgressDelivery.Settings(Duration.ofSeconds(30),
                Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMinutes(1), 3, 100, Duration.ofSeconds(5)), meters)) {
            d.emit(event("a", TrainingProgress.State.RUNNING, "a1"));
            await().atMost(WAIT).until(() -> t.sends.size() == 1); // a1 in flight, its acknowledgement held
            for (int i = 2; i <= 5; i++) {
                d.emit(event("a", TrainingProgress.State.RUNNING, "a" + i));
            }
            d.emit(event("b", TrainingProgress.State.RUNNING, "b1"));
            d.emit(event("c", TrainingProgress.State.RUNNING, "c1"));
            d.emit(event("c", TrainingProgress.State.FAILED, "c-failed")); // supersedes c1, which waits
            assertThat(d.backlog()).isEqualTo(4); // a1 in flight; a5, b1, c-failed waiting
            held.complete(null);
            await().atMost(WAIT).until(() -> d.backlog() == 0);
            assertThat(t.acknowledgedMessages()).containsExactly("a:a1", "a:a5", "b:b1", "c:c-failed");
            assertThat(count(meters, Metrics.TRAINING_PROGRESS_DROPPED, null)).isEqualTo(4.0); // a2, a3, a4, c1
        }
    }

    @Test
    void anIntermediateEventIsDroppedAfterItsAttemptsButTheTerminalOneStillGoes() {
        FakeTransport t = new FakeTransport();
        t.answer = p -> p.state().terminal() ? CompletableFuture.completedFuture(null)
                : CompletableFuture.failedFuture(new IllegalStateException("no leader"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ProgressDelivery d = new ProgressDelivery(t, fast(Duration.ofMinutes(1)), meters)) {
            d.emit(event("a", TrainingProgress.State.RUNNING, "epoch 1"));
            await().atMost(WAIT).until(() -> count(meters, Metrics.TRAINING_PROGRESS_DROPPED, null) == 1.0);
            assertThat(t.sends).hasSize(3);
            d.emit(event("a", TrainingProgress.State.PUBLISHED, "published"));
            await().atMost(WAIT).until(() -> t.acknowledgedMessages().equals(List.of("a:published")));
        }
    }

    @Test
    void emitNeverWaitsForABrokerThatDoesNotAnswerAndIntermediateEventsAreBounded() {
        FakeTransport t = new FakeTransport();
        t.answer = p -> new CompletableFuture<>(); // never acknowledged
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ProgressDelivery.Settings s = new ProgressDelivery.Settings(Duration.ofMinutes(5), Duration.ofMillis(1),
                Duration.ofMillis(5), Duration.ofMinutes(5), 3, 50, Duration.ofMillis(100));
        try (ProgressDelivery d = new ProgressDelivery(t, s, meters)) {
            d.emit(event("first", TrainingProgress.State.RUNNING, "stuck"));
            await().atMost(WAIT).until(() -> t.sends.size() == 1);
            // the worker's view: 10,000 reports from 500 jobs return at once, the sender being stuck on the first
            for (int i = 0; i < 10_000; i++) {
                d.emit(event("job-" + (i % 500), TrainingProgress.State.RUNNING, "step " + i));
            }
            d.emit(event("job-7", TrainingProgress.State.PUBLISHED, "published"));
            assertThat(d.backlog()).isLessThanOrEqualTo(1 + 50 + 1);
            assertThat(t.sends).hasSize(1);
        }
    }

    @Test
    void closeSendsWhatIsQueuedBeforeReturning() throws Exception {
        FakeTransport t = new FakeTransport();
        CompletableFuture<Void> held = new CompletableFuture<>();
        t.answer = p -> p.message().equals("first") ? held : CompletableFuture.completedFuture(null);
        LinkedBlockingDeque<String> closed = new LinkedBlockingDeque<>();
        ProgressDelivery d = new ProgressDelivery(t, fast(Duration.ofMinutes(1)), new SimpleMeterRegistry());
        d.emit(event("a", TrainingProgress.State.RUNNING, "first"));
        await().atMost(WAIT).until(() -> t.sends.size() == 1);
        d.emit(event("a", TrainingProgress.State.CANCELLED, "cancelled"));
        Thread closer = new Thread(() -> {
            d.close();
            closed.add("closed");
        });
        closer.start();
        held.complete(null);
        await().atMost(WAIT).until(() -> !closed.isEmpty());
        assertThat(t.acknowledgedMessages()).containsExactly("a:first", "a:cancelled");
    }
}
