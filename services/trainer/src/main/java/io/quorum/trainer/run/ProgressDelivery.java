package io.quorum.trainer.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.metrics.Metrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Delivers progress events on a thread of its own, so the job worker never waits for the broker: {@link #emit}
 * only queues. Events are sent one at a time, in order, and each send's acknowledgement is awaited.
 * <ul>
 *   <li><b>Terminal events</b> (PUBLISHED, FAILED, CANCELLED, REJECTED) are never dropped: a failed send is retried
 *   with exponential backoff until acknowledged. A send that is merely slow is waited for (in slices of
 *   {@code sendTimeout}, with a warning each) rather than sent again, so a slow broker does not get the event twice.
 *   Only after {@code terminalGiveUpAfter} is the event given up: an ERROR log and
 *   {@code quorum.training.progress.failed}.</li>
 *   <li><b>Intermediate events</b> (QUEUED, RUNNING, EXPORTING, EVALUATING) may be coalesced: while one of a job's
 *   events waits to be sent, a newer one replaces it, and a terminal event replaces it too. A failed send is retried
 *   at most {@code intermediateAttempts} times (not at all once a newer event of the job is waiting); a slow one is
 *   waited for at most {@code sendTimeout}. At most {@code maxPending} intermediate events wait; beyond that the
 *   oldest is dropped. Dropped events count in {@code quorum.training.progress.dropped}.</li>
 * </ul>
 * Events of one job keep their order. {@link #close} waits a bounded time for what is queued.
 */
public final class ProgressDelivery implements ProgressSink, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProgressDelivery.class);

    /** Sends one event; the stage completes when the broker acknowledged it, exceptionally when the send failed. */
    @FunctionalInterface
    public interface Transport {
        CompletionStage<?> send(TrainingProgress progress);
    }

    /**
     * @param sendTimeout         longest wait for one acknowledgement of an intermediate event; terminal events are
     *                            waited for in slices of it
     * @param initialBackoff      wait after the first failed send; doubles per failure
     * @param maxBackoff          longest wait between two sends of one event
     * @param terminalGiveUpAfter how long a terminal event is retried before it is given up (ERROR + metric)
     * @param intermediateAttempts sends of an intermediate event before it is dropped
     * @param maxPending          intermediate events waiting at most; the oldest is dropped beyond
     * @param closeTimeout        how long {@link #close} waits for queued events
     */
    public record Settings(Duration sendTimeout, Duration initialBackoff, Duration maxBackoff, Duration terminalGiveUpAfter,
                           int intermediateAttempts, int maxPending, Duration closeTimeout) {
        public Settings {
            if (intermediateAttempts < 1 || maxPending < 1) {
                throw new IllegalArgumentException("intermediateAttempts and maxPending must be >= 1");
            }
        }

        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofMinutes(10),
                    3, 1000, Duration.ofSeconds(30));
        }
    }

    /** One event waiting to be sent; an intermediate one may be replaced by a newer event of its job. */
    private static final class Entry {
        TrainingProgress event;
        final boolean terminal;

        Entry(TrainingProgress event) {
            this.event = event;
            this.terminal = event.state().terminal();
        }
    }

    private final Transport transport;
    private final Settings settings;
    private final MeterRegistry meters;
    private final Object lock = new Object();
    private final Deque<Entry> pending = new ArrayDeque<>();
    /** The waiting (not yet taken) intermediate entry of each job. */
    private final Map<String, Entry> waitingIntermediate = new HashMap<>();
    private final Thread sender;
    private final Counter dropped;
    private final Counter retries;
    private int intermediateCount;
    private boolean closing;
    private boolean busy;

    public ProgressDelivery(Transport transport, Settings settings, MeterRegistry meters) {
        this.transport = transport;
        this.settings = settings;
        this.meters = meters;
        this.dropped = Counter.builder(Metrics.TRAINING_PROGRESS_DROPPED)
                .description("Intermediate progress events not sent (replaced by a newer one, or failed)").register(meters);
        this.retries = Counter.builder(Metrics.TRAINING_PROGRESS_RETRIES)
                .description("Progress sends that failed and were retried").register(meters);
        failedCounter(TrainingProgress.State.FAILED); // registered up front, so dashboards see 0 rather than nothing
        this.sender = new Thread(this::run, "quorum-trainer-progress");
        this.sender.setDaemon(true);
        this.sender.start();
    }

    /** Queues {@code progress}; never blocks on the broker. */
    @Override
    public void emit(TrainingProgress progress) {
        synchronized (lock) {
            if (closing && !sender.isAlive()) {
                giveUp(progress, progress.state().terminal(), "emitted after the progress sender stopped");
                return;
            }
            if (progress.state().terminal()) {
                Entry superseded = waitingIntermediate.remove(progress.jobId());
                if (superseded != null) {
                    pending.remove(superseded);
                    intermediateCount--;
                    dropped.increment();
                }
                pending.addLast(new Entry(progress));
            } else {
                Entry waiting = waitingIntermediate.get(progress.jobId());
                if (waiting != null) {
                    waiting.event = progress; // coalesced: the newest state of the job, in the older one's place
                    dropped.increment();
                } else {
                    if (intermediateCount >= settings.maxPending()) {
                        dropOldestIntermediate();
                    }
                    Entry e = new Entry(progress);
                    pending.addLast(e);
                    waitingIntermediate.put(progress.jobId(), e);
                    intermediateCount++;
                }
            }
            lock.notifyAll();
        }
    }

    private void dropOldestIntermediate() {
        for (Iterator<Entry> it = pending.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (!e.terminal) {
                it.remove();
                waitingIntermediate.remove(e.event.jobId(), e);
                intermediateCount--;
                dropped.increment();
                return;
            }
        }
    }

    /** Events queued and not yet acknowledged (the one being sent included). */
    public int backlog() {
        synchronized (lock) {
            return pending.size() + (busy ? 1 : 0);
        }
    }

    private void run() {
        while (true) {
            Entry e;
            synchronized (lock) {
                while (pending.isEmpty()) {
                    busy = false;
                    lock.notifyAll();
                    if (closing) {
                        return;
                    }
                    try {
                        lock.wait();
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                e = pending.pollFirst();
                busy = true;
                if (!e.terminal) {
                    waitingIntermediate.remove(e.event.jobId(), e); // taken: a newer event of the job queues anew
                    intermediateCount--;
                }
            }
            try {
                deliver(e.event, e.terminal);
            } catch (InterruptedException ie) {
                giveUp(e.event, e.terminal, "interrupted (the trainer is stopping)");
                abandonPending();
                return;
            } catch (RuntimeException ex) {
                LOG.errorf(ex, "progress event of job %s could not be handled", e.event.jobId());
            }
        }
    }

    /** Sends one event until acknowledged, or until the policy for its kind gives up. */
    private void deliver(TrainingProgress p, boolean terminal) throws InterruptedException {
        long firstFailure = 0;
        int failures = 0;
        while (true) {
            CompletableFuture<?> ack;
            try {
                ack = transport.send(p).toCompletableFuture();
            } catch (RuntimeException ex) {
                ack = CompletableFuture.failedFuture(ex);
            }
            Throwable error = awaitAck(ack, p, terminal);
            if (error == null) {
                if (failures > 0) {
                    LOG.infof("progress event %s of job %s sent after %d failed attempts", p.state(), p.jobId(), failures);
                }
                return;
            }
            failures++;
            if (failures == 1) {
                firstFailure = System.nanoTime();
            }
            Duration wait = backoff(failures);
            String why = error instanceof TimeoutException ? "no acknowledgement within " + settings.sendTimeout()
                    : String.valueOf(error);
            if (terminal) {
                Duration since = Duration.ofNanos(System.nanoTime() - firstFailure);
                if (since.plus(wait).compareTo(settings.terminalGiveUpAfter()) > 0) {
                    giveUp(p, true, why + " (" + failures + " attempts over " + since.toSeconds() + " s)");
                    return;
                }
            } else if (failures >= settings.intermediateAttempts() || newerWaiting(p.jobId())) {
                giveUp(p, false, why);
                return;
            }
            retries.increment();
            LOG.warnf("progress event %s of job %s not sent (%s); attempt %d, retrying in %d ms", p.state(), p.jobId(), why,
                    failures, wait.toMillis());
            Thread.sleep(wait.toMillis());
        }
    }

    /**
     * Null when {@code ack} completed normally, else why not. An intermediate event is waited for at most
     * {@code sendTimeout}; a terminal one as long as the send is in flight (the producer bounds that itself), up to
     * {@code terminalGiveUpAfter}, so it is never sent twice merely because the broker is slow.
     */
    private Throwable awaitAck(CompletableFuture<?> ack, TrainingProgress p, boolean terminal) throws InterruptedException {
        long started = System.nanoTime();
        while (true) {
            try {
                ack.get(settings.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
                return null;
            } catch (ExecutionException ex) {
                return ex.getCause() == null ? ex : ex.getCause();
            } catch (TimeoutException ex) {
                Duration waited = Duration.ofNanos(System.nanoTime() - started);
                if (!terminal || waited.compareTo(settings.terminalGiveUpAfter()) >= 0) {
                    return ex;
                }
                LOG.warnf("progress event %s of job %s: no acknowledgement after %d ms, still waiting", p.state(), p.jobId(),
                        waited.toMillis());
            } catch (java.util.concurrent.CancellationException ex) {
                return ex;
            }
        }
    }

    private boolean newerWaiting(String jobId) {
        synchronized (lock) {
            if (waitingIntermediate.containsKey(jobId)) {
                return true;
            }
            for (Entry e : pending) {
                if (e.event.jobId().equals(jobId)) {
                    return true;
                }
            }
            return false;
        }
    }

    private Duration backoff(int failures) {
        long ms = Math.max(1, settings.initialBackoff().toMillis());
        for (int i = 1; i < failures && ms < settings.maxBackoff().toMillis(); i++) {
            ms *= 2;
        }
        return Duration.ofMillis(Math.min(ms, Math.max(1, settings.maxBackoff().toMillis())));
    }

    private void giveUp(TrainingProgress p, boolean terminal, String why) {
        if (terminal) {
            failedCounter(p.state()).increment();
            LOG.errorf("TERMINAL progress event LOST: job %s (%s) ended %s (%s) but the event could not be sent to the "
                    + "progress topic: %s", p.jobId(), p.job(), p.state(), p.message(), why);
        } else {
            dropped.increment();
            LOG.warnf("progress event %s of job %s dropped: %s", p.state(), p.jobId(), why);
        }
    }

    private Counter failedCounter(TrainingProgress.State state) {
        return Counter.builder(Metrics.TRAINING_PROGRESS_FAILED).tag(Metrics.TAG_STATE, state.name())
                .description("Terminal progress events that could not be sent after every retry").register(meters);
    }

    private void abandonPending() {
        List<Entry> left;
        synchronized (lock) {
            left = new ArrayList<>(pending);
            pending.clear();
            waitingIntermediate.clear();
            intermediateCount = 0;
            busy = false;
            lock.notifyAll();
        }
        int intermediate = 0;
        for (Entry e : left) {
            if (e.terminal) {
                giveUp(e.event, true, "the trainer stopped before it was sent");
            } else {
                intermediate++;
                dropped.increment();
            }
        }
        if (intermediate > 0) {
            LOG.warnf("%d intermediate progress events dropped: the trainer stopped before they were sent", intermediate);
        }
    }

    /** Sends what is queued, waiting at most {@code closeTimeout}; what is left then is reported lost. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + settings.closeTimeout().toNanos();
        synchronized (lock) {
            closing = true;
            lock.notifyAll();
            try {
                while ((!pending.isEmpty() || busy) && System.nanoTime() < deadline) {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        sender.interrupt();
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
