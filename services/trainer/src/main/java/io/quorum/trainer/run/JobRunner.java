package io.quorum.trainer.run;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobCancelledException;
import io.quorum.training.api.JobCatalog;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.deeplearning4j.util.ModelSerializer;
import org.jboss.logging.Logger;

/**
 * Runs training jobs one at a time from a bounded queue: train (the job), check the export's parity, evaluate the
 * promotion gate against the current champion, store the artifacts and announce the version. Every step is
 * reported as a {@link TrainingProgress} event; a bad request or a failing job ends in a FAILED event with the
 * reason, and the runner goes on with the next job. See {@code DESIGN.md} in this package.
 */
public final class JobRunner implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(JobRunner.class);
    static final String STATE_TAG = "state";

    /** Runner settings. */
    public record Settings(Path workRoot, Path dataDir, String codeVersion, int queueCapacity, double parityTolerance) {
    }

    private record Queued(TrainingRequested request, TrainingJob job) {
    }

    private final JobCatalog catalog;
    private final ModelStore store;
    private final ModelRegistry registry;
    private final ProgressSink sink;
    private final Settings settings;
    private final BlockingQueue<Queued> queue;
    private final Map<String, JobStatus> jobs = new ConcurrentHashMap<>();
    private final Map<String, AtomicBoolean> cancelled = new ConcurrentHashMap<>();
    private final Thread worker;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Counter finished;
    private final Counter failed;
    private final Timer trainingTime;

    public JobRunner(JobCatalog catalog, ModelStore store, ModelRegistry registry, ProgressSink sink, Settings settings,
                     MeterRegistry meters) {
        this.catalog = catalog;
        this.store = store;
        this.registry = registry;
        this.sink = sink;
        this.settings = settings;
        this.queue = new LinkedBlockingQueue<>(settings.queueCapacity());
        this.finished = Counter.builder(Metrics.TRAINING_JOBS).tag(Metrics.TAG_OUTCOME, "published").register(meters);
        this.failed = Counter.builder(Metrics.TRAINING_JOBS).tag(Metrics.TAG_OUTCOME, "failed").register(meters);
        this.trainingTime = Timer.builder(Metrics.TRAINING_JOB).description("Wall time of training jobs").register(meters);
        Gauge.builder(Metrics.TRAINING_QUEUE, queue, BlockingQueue::size).description("Jobs waiting").register(meters);
        this.worker = new Thread(this::loop, "quorum-trainer-worker");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues a job; an unknown job, a duplicate id or a full queue is answered with a FAILED status and event. */
    public JobStatus submit(TrainingRequested request) {
        JobStatus existing = jobs.get(request.jobId());
        if (existing != null) {
            return existing; // idempotent: the same request delivered twice runs once
        }
        Optional<TrainingJob> job = catalog.find(request.job());
        if (job.isEmpty()) {
            return fail(request, "unknown job '" + request.job() + "'; known jobs: " + String.join(", ", catalog.all().keySet()));
        }
        cancelled.put(request.jobId(), new AtomicBoolean());
        JobStatus queued = update(request, progress(request, TrainingProgress.State.QUEUED, 0, 0, 0, Double.NaN, 0, -1,
                Map.of(), "queued (" + queue.size() + " ahead)", null, 0, false));
        if (!queue.offer(new Queued(request, job.get()))) {
            return fail(request, "the training queue is full (" + settings.queueCapacity() + " jobs); try again later");
        }
        return queued;
    }

    /** Cancels a queued or running job; true when it was still active. */
    public boolean cancel(String jobId) {
        AtomicBoolean flag = cancelled.get(jobId);
        JobStatus s = jobs.get(jobId);
        if (flag == null || s == null || s.state().terminal()) {
            return false;
        }
        flag.set(true);
        if (queue.removeIf(q -> q.request().jobId().equals(jobId))) {
            emitTerminal(requestOf(s), TrainingProgress.State.CANCELLED, "cancelled before it started", null, 0, false, Map.of());
        }
        return true;
    }

    public Optional<JobStatus> status(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    public List<JobStatus> list() {
        List<JobStatus> l = new ArrayList<>(jobs.values());
        l.sort(Comparator.comparingLong(JobStatus::submittedAt).reversed());
        return l;
    }

    private void loop() {
        while (running.get()) {
            Queued q;
            try {
                q = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (q == null) {
                continue;
            }
            if (cancelled.get(q.request().jobId()).get()) {
                continue;
            }
            long start = System.nanoTime();
            try {
                run(q.request(), q.job());
            } catch (Throwable t) { // never let one job take the worker down
                LOG.errorf(t, "job %s failed unexpectedly", q.request().jobId());
                emitTerminal(q.request(), TrainingProgress.State.FAILED, "internal error: " + t, null, 0, false, Map.of());
            } finally {
                trainingTime.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                System.gc(); // DL4J's off-heap arrays are freed when their Java objects are collected
            }
        }
    }

    private void run(TrainingRequested req, TrainingJob job) {
        Path work;
        try {
            work = Files.createDirectories(settings.workRoot().resolve(req.jobId().replaceAll("[^A-Za-z0-9._-]", "_")));
        } catch (IOException e) {
            emitTerminal(req, TrainingProgress.State.FAILED, "cannot create work directory: " + e, null, 0, false, Map.of());
            return;
        }
        long started = System.currentTimeMillis();
        Ctx ctx = new Ctx(req, job, work);
        try {
            ctx.emit(TrainingProgress.State.RUNNING, 0, 0, 0, Double.NaN, 0, -1, Map.of(), "started");
            TrainedModel trained = job.run(ctx);
            ctx.checkCancelled();
            ctx.emit(TrainingProgress.State.EXPORTING, 0, 0, 0, Double.NaN, 0, -1, trained.metrics(),
                    String.format("ONNX export parity: max |DL4J - ORT| = %.3g", trained.parity()));
            for (TrainedModel m : withCompanions(trained)) {
                if (!(m.parity() <= settings.parityTolerance())) {
                    throw new JobFailedException(String.format("the ONNX export of %s is not exact: max |DL4J - ORT| = %.3g "
                            + "> %.1g; nothing published", m.modelName(), m.parity(), settings.parityTolerance()));
                }
            }
            for (var e : trained.metrics().entrySet()) {
                if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                    throw new JobFailedException("validation metric " + e.getKey() + " is " + e.getValue() + "; nothing published");
                }
            }
            ctx.emit(TrainingProgress.State.EVALUATING, 0, 0, 0, Double.NaN, 0, -1, trained.metrics(), "checking the promotion gate");
            RegistryState state = registry.snapshot(Duration.ofSeconds(30));
            Optional<ModelPublished> champion = state.resolve(trained.modelName(), RegistryState.ALIAS_CHAMPION);
            Gate.Result verdict = Gate.both(job.gate(new JobParams(req.params())).evaluate(trained.metrics(),
                    champion.map(ModelPublished::metrics).orElse(null)), Gate.servingContract(trained.modelName(),
                    trained.properties(), champion.map(ModelPublished::properties).orElse(null)));
            if (champion.isPresent() && !java.util.Objects.equals(champion.get().lineage() == null ? null
                    : champion.get().lineage().dataHash(), trained.dataHash())) {
                verdict = Gate.both(verdict, new Gate.Result(true, List.of("note: the champion was validated on other data ("
                        + (champion.get().lineage() == null ? "unknown" : champion.get().lineage().dataRef())
                        + "); its metrics are compared as they are")));
            }
            ctx.checkCancelled();
            for (TrainedModel companion : trained.companions()) {
                ModelPublished c = publish(req, job, companion, state.resolve(companion.modelName(),
                        RegistryState.ALIAS_CHAMPION).orElse(null), verdict, work, System.currentTimeMillis() - started);
                LOG.infof("published %s v%d (companion of %s)", c.name(), c.version(), trained.modelName());
            }
            ModelPublished published = publish(req, job, trained, champion.orElse(null), verdict, work,
                    System.currentTimeMillis() - started);
            String msg = verdict.pass()
                    ? "published " + published.name() + " v" + published.version() + " as champion: " + verdict.summary()
                    : "published " + published.name() + " v" + published.version() + " as candidate, not promoted: "
                    + verdict.summary();
            emitTerminal(req, TrainingProgress.State.PUBLISHED, msg, published.name(), published.version(), verdict.pass(),
                    trained.metrics());
            finished.increment();
            LOG.info(msg);
        } catch (JobCancelledException e) {
            emitTerminal(req, TrainingProgress.State.CANCELLED, "cancelled", null, 0, false, Map.of());
        } catch (JobFailedException e) {
            failed.increment();
            LOG.warnf("job %s (%s) failed: %s", req.jobId(), req.job(), e.getMessage());
            emitTerminal(req, TrainingProgress.State.FAILED, e.getMessage(), null, 0, false, Map.of());
        } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException | InterruptedException e) {
            failed.increment();
            LOG.errorf(e, "job %s (%s) failed", req.jobId(), req.job());
            emitTerminal(req, TrainingProgress.State.FAILED, "failed: " + e, null, 0, false, Map.of());
        } finally {
            TempDir.deleteRecursively(work);
        }
    }

    /** The model and its companions, companions first (the order they are published in). */
    private static List<TrainedModel> withCompanions(TrainedModel trained) {
        List<TrainedModel> all = new ArrayList<>(trained.companions());
        all.add(trained);
        return all;
    }

    private ModelPublished publish(TrainingRequested req, TrainingJob job, TrainedModel trained, ModelPublished champion,
                                   Gate.Result verdict, Path work, long trainingMillis) throws IOException {
        // a directory per model: a job's companions are published from the same work directory
        work = Files.createDirectories(work.resolve("publish-" + trained.modelName().replaceAll("[^A-Za-z0-9._-]", "_")));
        Path onnx = Files.write(work.resolve(ModelPublisher.PRIMARY), trained.onnx());
        List<ModelStore.Artifact> extra = new ArrayList<>();
        if (trained.network() != null) {
            Path zip = work.resolve("model-dl4j.zip");
            ModelSerializer.writeModel(trained.network(), zip.toFile(), true);
            extra.add(new ModelStore.Artifact("model-dl4j.zip", zip));
        }
        if (trained.gradientOnnx() != null) {
            extra.add(new ModelStore.Artifact("gradient.onnx", Files.write(work.resolve("gradient.onnx"), trained.gradientOnnx())));
        }
        for (var e : trained.extraArtifacts().entrySet()) {
            extra.add(new ModelStore.Artifact(e.getKey(), Files.write(work.resolve(e.getKey()), e.getValue())));
        }
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", trained.modelName());
        card.put("job", job.name());
        card.put("jobId", req.jobId());
        card.put("requestedBy", req.requestedBy());
        card.put("description", job.description());
        card.put("data", Map.of("ref", String.valueOf(trained.dataRef()), "sha256", String.valueOf(trained.dataHash())));
        card.put("hyperParameters", trained.hyperParameters());
        card.put("metrics", trained.metrics());
        card.put("properties", trained.properties());
        card.put("parentVersion", champion == null ? null : champion.version());
        card.put("codeVersion", settings.codeVersion());
        card.put("trainingMillis", trainingMillis);
        card.put("exportParityMaxAbsDiff", trained.parity());
        card.put("gate", Map.of("promoted", verdict.pass(), "reasons", verdict.reasons()));
        card.put("notes", trained.notes());
        card.put("createdAt", java.time.Instant.now().toString());
        extra.add(new ModelStore.Artifact("model-card.json", Files.writeString(work.resolve("model-card.json"),
                Json.toPrettyString(card))));
        Lineage lineage = new Lineage(champion == null ? null : champion.version(), job.name() + " " + req.jobId(),
                trained.dataRef(), trained.dataHash(), settings.codeVersion(), trainingMillis);
        return new ModelPublisher(store, registry).publish(new ModelPublisher.Request(trained.modelName(), onnx, extra,
                trained.metrics(), lineage, trained.properties(),
                verdict.pass() ? RegistryState.ALIAS_CHAMPION : RegistryState.ALIAS_CANDIDATE));
    }

    private JobStatus fail(TrainingRequested req, String reason) {
        LOG.warnf("training request %s refused: %s", req.jobId(), reason);
        failed.increment();
        return emitTerminal(req, TrainingProgress.State.FAILED, reason, null, 0, false, Map.of());
    }

    private JobStatus emitTerminal(TrainingRequested req, TrainingProgress.State state, String message, String model,
                                   int version, boolean promoted, Map<String, Double> metrics) {
        TrainingProgress p = progress(req, state, 0, 0, 0, Double.NaN, 0, -1, metrics, message, model, version, promoted);
        JobStatus s = update(req, p);
        sink.emit(p);
        return s;
    }

    private JobStatus update(TrainingRequested req, TrainingProgress p) {
        if (req == null || p == null) {
            return null;
        }
        JobStatus previous = jobs.get(req.jobId());
        JobStatus s = new JobStatus(req.jobId(), req.job(), req.params(), p.state(), p,
                previous == null ? System.currentTimeMillis() : previous.submittedAt(),
                p.state().terminal() ? System.currentTimeMillis() : null);
        jobs.put(req.jobId(), s);
        if (p.state() == TrainingProgress.State.QUEUED) {
            sink.emit(p);
        }
        return s;
    }

    private static TrainingRequested requestOf(JobStatus s) {
        return new TrainingRequested(TrainingRequested.SCHEMA_VERSION, s.jobId(), s.job(), s.params(), 0, null, s.submittedAt());
    }

    private static TrainingProgress progress(TrainingRequested req, TrainingProgress.State state, int epoch, int epochs,
                                             long step, double loss, double rate, double eta, Map<String, Double> metrics,
                                             String message, String model, int version, boolean promoted) {
        return new TrainingProgress(TrainingProgress.SCHEMA_VERSION, req.jobId(), req.job(), state, epoch, epochs, step, loss,
                rate, eta, metrics, message, model, version, promoted, System.currentTimeMillis());
    }

    private final class Ctx implements JobContext {
        private final TrainingRequested req;
        private final JobParams params;
        private final Path work;
        private final long seed;

        Ctx(TrainingRequested req, TrainingJob job, Path work) {
            this.req = req;
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
            TrainingProgress p = JobRunner.progress(req, state, epoch, epochs, step, loss, rate, eta, metrics, message, null, 0, false);
            update(req, p);
            sink.emit(p);
        }

        @Override
        public void checkCancelled() {
            if (cancelled.get(req.jobId()).get()) {
                throw new JobCancelledException(req.jobId());
            }
        }
    }

    @Override
    public void close() {
        running.set(false);
        cancelled.values().forEach(f -> f.set(true));
        worker.interrupt();
        try {
            worker.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
