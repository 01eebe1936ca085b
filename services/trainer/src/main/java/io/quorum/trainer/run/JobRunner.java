package io.quorum.trainer.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryClient;
import io.quorum.training.api.JobCancelledException;
import io.quorum.training.api.JobCatalog;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import io.quorum.training.data.DataPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Runs training jobs one at a time from a bounded queue: train (the job), check the export's parity, evaluate the
 * promotion gate against the current champion, store the artifacts and announce the version (with its companions,
 * all in one registry transaction). Every step is reported as a {@link TrainingProgress} event; every job that was
 * accepted ends in exactly one terminal event (PUBLISHED, FAILED or CANCELLED) and a terminal {@link JobStatus},
 * whichever way it ends: finished, failed, refused, cancelled while queued, between dequeue and start, or while
 * running, or stopped with the trainer. See {@code DESIGN.md} in this package.
 */
public final class JobRunner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    static final String STATE_TAG = "state";

    /** Runner settings. */
    public record Settings(Path workRoot, Path dataDir, String codeVersion, int queueCapacity, double parityTolerance) {
    }

    /** How a submission was answered. */
    public enum Outcome {
        /** Queued (QUEUED event sent). */
        QUEUED,
        /** A job with this id exists already; nothing new was queued. */
        DUPLICATE,
        /** No such job kind. */
        UNKNOWN_JOB,
        /** The request's data may not be read (outside the data directory, missing). */
        REFUSED,
        /** The queue is full; try again later. */
        QUEUE_FULL
    }

    /**
     * The answer to a submission.
     *
     * @param status the job's status: the new one, the existing one for a duplicate, the FAILED one of a recorded
     *               refusal; null for a refusal that was not recorded ({@link #trySubmit})
     * @param reason why it was not queued, else null
     */
    public record Submission(Outcome outcome, JobStatus status, String reason) {
    }

    /** What {@link #cancel} did. */
    public enum CancelOutcome {
        /** It was queued and is now CANCELLED. */
        CANCELLED,
        /** It is being taken off the worker: it ends CANCELLED at its next cancellation point (or before it starts). */
        CANCELLING,
        /** It had already ended. */
        FINISHED,
        /** No job has this id. */
        UNKNOWN
    }

    /** Test seam: runs on the worker after a job is taken off the queue and before it starts. */
    @FunctionalInterface
    interface BeforeStart {
        void dequeued(String jobId) throws InterruptedException;
    }

    /** One job the runner knows of: its request, cancellation flag and status; terminal at most once. */
    private static final class Tracked {
        final TrainingRequested request;
        final TrainingJob job;
        final AtomicBoolean cancelRequested = new AtomicBoolean();
        final long submittedAt = System.currentTimeMillis();
        /** Guarded by {@code this}. */
        JobStatus status;
        /** Guarded by {@code this}: the terminal event was emitted. */
        boolean ended;

        Tracked(TrainingRequested request, TrainingJob job) {
            this.request = request;
            this.job = job;
        }
    }

    private final JobCatalog catalog;
    private final ProgressSink sink;
    private final Settings settings;
    private final BlockingQueue<Tracked> queue;
    private final Map<String, Tracked> jobs = new ConcurrentHashMap<>();
    private final Thread worker;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Counter published;
    private final Counter failed;
    private final Counter cancelled;
    private final Timer trainingTime;
    private final Publication publication;
    private volatile BeforeStart beforeStart = id -> { };

    public JobRunner(JobCatalog catalog, ModelStore store, RegistryClient registry, ProgressSink sink, Settings settings,
                     MeterRegistry meters) {
        this.catalog = catalog;
        this.sink = sink;
        this.settings = settings;
        this.queue = new LinkedBlockingQueue<>(settings.queueCapacity());
        this.publication = new Publication(store, registry, settings.parityTolerance(), settings.codeVersion());
        this.published = Counter.builder(Metrics.TRAINING_JOBS).tag(Metrics.TAG_OUTCOME, "published").register(meters);
        this.failed = Counter.builder(Metrics.TRAINING_JOBS).tag(Metrics.TAG_OUTCOME, "failed").register(meters);
        this.cancelled = Counter.builder(Metrics.TRAINING_JOBS).tag(Metrics.TAG_OUTCOME, "cancelled").register(meters);
        this.trainingTime = Timer.builder(Metrics.TRAINING_JOB).description("Wall time of training jobs").register(meters);
        Gauge.builder(Metrics.TRAINING_QUEUE, queue, BlockingQueue::size).description("Jobs waiting").register(meters);
        this.worker = new Thread(this::loop, "quorum-trainer-worker");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Installs a hook between dequeue and start (tests). */
    void beforeStart(BeforeStart hook) {
        this.beforeStart = hook;
    }

    /**
     * Queues a job (Kafka requests, retrains). A duplicate id is answered with the existing job (the same request
     * delivered twice runs once); an unknown job, data that may not be read or a full queue is recorded as a FAILED
     * job with a FAILED event giving the reason, since nobody else would tell the requester.
     */
    public Submission submit(TrainingRequested request) {
        return submit(request, true);
    }

    /**
     * Queues a job for a caller that gets the answer directly ({@code POST /jobs}): refusals are not recorded and
     * send no event, so the same id may be used again once the reason is fixed (a full queue: later).
     */
    public Submission trySubmit(TrainingRequested request) {
        return submit(request, false);
    }

    private Submission submit(TrainingRequested request, boolean recordRefusals) {
        Optional<TrainingJob> job = catalog.find(request.job());
        Tracked t = new Tracked(request, job.orElse(null));
        Tracked existing = jobs.putIfAbsent(request.jobId(), t);
        if (existing != null) {
            return new Submission(Outcome.DUPLICATE, currentStatus(existing), "job id " + request.jobId() + " exists already");
        }
        if (job.isEmpty()) {
            return refuse(t, Outcome.UNKNOWN_JOB, "unknown job '" + request.job() + "'; known jobs: "
                    + String.join(", ", catalog.all().keySet()), recordRefusals);
        }
        String data = request.params().get("data");
        if (data != null && !DataPaths.isKeyword(data)) {
            try {
                DataPaths.confine(settings.dataDir(), data);
            } catch (JobFailedException e) {
                return refuse(t, Outcome.REFUSED, e.getMessage(), recordRefusals);
            }
        }
        synchronized (t) {
            int ahead = queue.size();
            if (!queue.offer(t)) {
                return refuse(t, Outcome.QUEUE_FULL, "the training queue is full (" + settings.queueCapacity()
                        + " jobs); try again later", recordRefusals);
            }
            // under t's lock: the worker cannot report this job as started before it is reported queued
            TrainingProgress queued = progress(request, TrainingProgress.State.QUEUED, 0, 0, 0, Double.NaN, 0, -1, Map.of(),
                    "queued (" + ahead + " ahead)", null, 0, false);
            t.status = status(t, queued);
            sink.emit(queued);
            return new Submission(Outcome.QUEUED, t.status, null);
        }
    }

    private Submission refuse(Tracked t, Outcome outcome, String reason, boolean record) {
        LOG.warnf("training request %s refused: %s", t.request.jobId(), reason);
        if (!record) {
            jobs.remove(t.request.jobId(), t);
            return new Submission(outcome, null, reason);
        }
        return new Submission(outcome, finish(t, TrainingProgress.State.FAILED, reason, null, 0, false, Map.of()), reason);
    }

    /**
     * Cancels a job: a queued one ends CANCELLED at once; one the worker holds ends CANCELLED before it starts or at
     * its next cancellation point (progress report, DL4J iteration, before publication). A finished job is left as it
     * is.
     */
    public CancelOutcome cancel(String jobId) {
        Tracked t = jobs.get(jobId);
        if (t == null) {
            return CancelOutcome.UNKNOWN;
        }
        synchronized (t) {
            if (t.ended) {
                return CancelOutcome.FINISHED;
            }
            t.cancelRequested.set(true);
        }
        if (queue.remove(t)) {
            finish(t, TrainingProgress.State.CANCELLED, "cancelled before it started", null, 0, false, Map.of());
            return CancelOutcome.CANCELLED;
        }
        return CancelOutcome.CANCELLING;
    }

    public Optional<JobStatus> status(String jobId) {
        return Optional.ofNullable(jobs.get(jobId)).map(JobRunner::currentStatus);
    }

    public List<JobStatus> list() {
        List<JobStatus> l = new ArrayList<>(jobs.values().stream().map(JobRunner::currentStatus).filter(Objects::nonNull)
                .toList());
        l.sort(Comparator.comparingLong(JobStatus::submittedAt).reversed());
        return l;
    }

    /** Job kinds this runner knows. */
    public List<String> jobKinds() {
        return List.copyOf(catalog.all().keySet());
    }

    private static JobStatus currentStatus(Tracked t) {
        synchronized (t) {
            return t.status;
        }
    }

    private void loop() {
        while (running.get()) {
            Tracked t;
            try {
                t = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (t == null) {
                continue;
            }
            long start = System.nanoTime();
            try {
                beforeStart.dequeued(t.request.jobId());
                if (t.cancelRequested.get()) {
                    // cancelled after it left the queue and before it started: nobody else will end it
                    finish(t, TrainingProgress.State.CANCELLED, "cancelled before it started", null, 0, false, Map.of());
                    continue;
                }
                run(t);
            } catch (InterruptedException e) {
                finish(t, TrainingProgress.State.CANCELLED, "the trainer stopped before it started", null, 0, false, Map.of());
                break;
            } catch (Throwable e) { // never let one job take the worker down
                LOG.errorf(e, "job %s failed unexpectedly", t.request.jobId());
                finish(t, TrainingProgress.State.FAILED, "internal error: " + e, null, 0, false, Map.of());
            } finally {
                if (!isEnded(t)) {
                    LOG.errorf("job %s ended without an outcome", t.request.jobId());
                    finish(t, TrainingProgress.State.FAILED, "internal error: the job ended without an outcome", null, 0,
                            false, Map.of());
                }
                trainingTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                System.gc(); // DL4J's off-heap arrays are freed when their Java objects are collected
            }
        }
        // stopping: what is still queued will not run
        for (Tracked t; (t = queue.poll()) != null; ) {
            finish(t, TrainingProgress.State.CANCELLED, "the trainer stopped before it started", null, 0, false, Map.of());
        }
    }

    private static boolean isEnded(Tracked t) {
        synchronized (t) {
            return t.ended;
        }
    }

    private void run(Tracked t) {
        TrainingRequested req = t.request;
        TrainingJob job = t.job;
        Path work;
        try {
            work = Files.createDirectories(settings.workRoot().resolve(req.jobId().replaceAll("[^A-Za-z0-9._-]", "_")));
        } catch (IOException e) {
            finish(t, TrainingProgress.State.FAILED, "cannot create work directory: " + e, null, 0, false, Map.of());
            return;
        }
        long started = System.currentTimeMillis();
        Ctx ctx = new Ctx(t, work);
        try {
            ctx.emit(TrainingProgress.State.RUNNING, 0, 0, 0, Double.NaN, 0, -1, Map.of(), "started");
            ctx.checkCancelled();
            TrainedModel trained = job.run(ctx);
            ctx.checkCancelled();
            ctx.emit(TrainingProgress.State.EXPORTING, 0, 0, 0, Double.NaN, 0, -1, trained.metrics(),
                    String.format("ONNX export parity: max |DL4J - ORT| = %.3g", trained.parity()));
            publication.verify(trained);
            ctx.emit(TrainingProgress.State.EVALUATING, 0, 0, 0, Double.NaN, 0, -1, trained.metrics(), "checking the promotion gate");
            Publication.Verdict verdict = publication.judge(job, new JobParams(req.params()), trained);
            ctx.checkCancelled();
            List<ModelPublished> announced = publication.publishTogether(req, job, trained, verdict,
                    work, System.currentTimeMillis() - started);
            ModelPublished main = announced.get(announced.size() - 1);
            for (ModelPublished c : announced.subList(0, announced.size() - 1)) {
                LOG.infof("published %s v%d (companion of %s)", c.name(), c.version(), trained.modelName());
            }
            String msg = verdict.gate().pass()
                    ? "published " + main.name() + " v" + main.version() + " as champion: " + verdict.gate().summary()
                    : "published " + main.name() + " v" + main.version() + " as candidate, not promoted: "
                    + verdict.gate().summary();
            finish(t, TrainingProgress.State.PUBLISHED, msg, main.name(), main.version(), verdict.gate().pass(), trained.metrics());
            LOG.info(msg);
        } catch (JobCancelledException e) {
            finish(t, TrainingProgress.State.CANCELLED, "cancelled", null, 0, false, Map.of());
        } catch (JobFailedException e) {
            LOG.warnf("job %s (%s) failed: %s", req.jobId(), req.job(), e.getMessage());
            finish(t, TrainingProgress.State.FAILED, e.getMessage(), null, 0, false, Map.of());
        } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.errorf(e, "job %s (%s) failed", req.jobId(), req.job());
            finish(t, TrainingProgress.State.FAILED, "failed: " + e, null, 0, false, Map.of());
        } finally {
            TempDir.deleteRecursively(work);
        }
    }


    /**
     * Ends {@code t} with a terminal event, once: a second call (a cancel racing the job's own end) changes nothing
     * and returns the status the first one set.
     */
    private JobStatus finish(Tracked t, TrainingProgress.State state, String message, String model, int version,
                             boolean promoted, Map<String, Double> metrics) {
        TrainingProgress p = progress(t.request, state, 0, 0, 0, Double.NaN, 0, -1, metrics, message, model, version, promoted);
        synchronized (t) {
            if (t.ended) {
                LOG.debugf("job %s already ended %s; %s ignored", t.request.jobId(), t.status.state(), state);
                return t.status;
            }
            t.ended = true;
            t.status = status(t, p);
            sink.emit(p);
        }
        switch (state) {
            case PUBLISHED -> published.increment();
            case CANCELLED -> cancelled.increment();
            default -> failed.increment();
        }
        return currentStatus(t);
    }

    /** Records and emits an intermediate event, unless the job already ended. */
    private void update(Tracked t, TrainingProgress p) {
        synchronized (t) {
            if (t.ended) {
                return;
            }
            t.status = status(t, p);
            sink.emit(p);
        }
    }

    private static JobStatus status(Tracked t, TrainingProgress p) {
        TrainingRequested req = t.request;
        return new JobStatus(req.jobId(), req.job(), req.params(), p.state(), p, t.submittedAt,
                p.state().terminal() ? System.currentTimeMillis() : null);
    }

    private static TrainingProgress progress(TrainingRequested req, TrainingProgress.State state, int epoch, int epochs,
                                             long step, double loss, double rate, double eta, Map<String, Double> metrics,
                                             String message, String model, int version, boolean promoted) {
        return new TrainingProgress(TrainingProgress.SCHEMA_VERSION, req.jobId(), req.job(), state, epoch, epochs, step, loss,
                rate, eta, metrics, message, model, version, promoted, System.currentTimeMillis());
    }

    private final class Ctx implements JobContext {
        private final Tracked tracked;
        private final TrainingRequested req;
        private final JobParams params;
        private final Path work;
        private final long seed;

        Ctx(Tracked tracked, Path work) {
            this.tracked = tracked;
            this.req = tracked.request;
            this.params = new JobParams(req.params());
            this.work = work;
            this.seed = req.seed() != 0 ? req.seed() : 42;
        }

        @Override
        public String jobId() {
            return req.jobId();
        }

        @Override
        public JobParams params() {
            return params;
        }

        @Override
        public long seed() {
            return seed;
        }

        @Override
        public Path dataDir() {
            return settings.dataDir();
        }

        @Override
        public Path workDir() {
            return work;
        }

        @Override
        public void progress(int epoch, int epochs, long step, double loss, double rate, double eta,
                             Map<String, Double> metrics, String message) {
            checkCancelled();
            emit(TrainingProgress.State.RUNNING, epoch, epochs, step, loss, rate, eta, metrics == null ? Map.of() : metrics, message);
        }

        void emit(TrainingProgress.State state, int epoch, int epochs, long step, double loss, double rate, double eta,
                  Map<String, Double> metrics, String message) {
            update(tracked, JobRunner.progress(req, state, epoch, epochs, step, loss, rate, eta, metrics, message, null, 0,
                    false));
        }

        @Override
        public void checkCancelled() {
            if (tracked.cancelRequested.get()) {
                throw new JobCancelledException(req.jobId());
            }
        }
    }

    /** Stops the worker: the running job is cancelled (it ends CANCELLED), queued ones end CANCELLED unstarted. */
    @Override
    public void close() {
        running.set(false);
        jobs.values().forEach(t -> t.cancelRequested.set(true));
        worker.interrupt();
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
