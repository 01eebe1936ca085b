package io.quorum.shared.model;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.metrics.Metrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Keeps one model of a service serving: follows the registry, and when the selected version changes it fetches the
 * artifacts, verifies their SHA-256, loads and checks the model (signature, contract, smoke inference) on its own
 * thread, then swaps it in atomically. A version that fails any check is refused with a logged reason and a metric;
 * the last good version keeps serving. A transient fetch failure (an I/O error, an artifact not yet visible on a slow
 * shared file system) is retried on the loader thread with exponential backoff ({@link FetchRetry}) while the last
 * good version keeps serving; the version is refused only when the failure outlasts the retries. A wrong SHA-256 or
 * a failed model check is refused at once. Readers take a {@link Lease} per batch, so a swap never changes the model
 * under a running batch and a retired model is closed only when its last lease is released.
 * See {@code DESIGN.md} in this package.
 *
 * @param <M> the loaded model type
 */
public final class ModelManager<M extends AutoCloseable> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelManager.class);

    /** Load state of one version in this service. */
    public enum LoadState { LOADING, RETRYING, SERVING, RETIRED, REFUSED }

    /** What happened to one version here. */
    public record VersionStatus(int version, String sha256, LoadState state, String failedCheck, String reason, long at) {
    }

    /** The model now serving. */
    public record ServingStatus(int version, String sha256, String uri, long loadedAt, String signature,
                                Map<String, String> properties, Map<String, Double> metrics) {
    }

    /** Everything {@code GET /models} shows for this model. */
    public record Status(String name, String following, ServingStatus serving, Integer targetVersion,
                         List<VersionStatus> versions) {
    }

    private final String name;
    private final ModelSelector selector;
    private final List<ModelStore> stores;
    private final Path cacheDir;
    private final ModelLoader<M> loader;
    private final ScheduledExecutorService executor;
    private final FetchRetry fetchRetry;
    /** The transient failures of the version being retried; only the loader thread touches it. */
    private Retrying retrying;
    private final AtomicReference<Served<M>> current = new AtomicReference<>();
    private final AtomicReference<ModelPublished> desired = new AtomicReference<>();
    private final Map<Integer, VersionStatus> versions = new ConcurrentHashMap<>();
    private final Object servingMonitor = new Object();
    private final Counter loaded;
    private final Counter refused;
    private final Counter fetchRetries;
    private final Timer loadTimer;

    public ModelManager(String name, ModelSelector selector, List<ModelStore> stores, Path cacheDir,
                        ModelLoader<M> loader, MeterRegistry meters) {
        this(name, selector, stores, cacheDir, loader, meters, FetchRetry.defaults());
    }

    /** @param fetchRetry how transient fetch failures are retried before the version is refused */
    public ModelManager(String name, ModelSelector selector, List<ModelStore> stores, Path cacheDir,
                        ModelLoader<M> loader, MeterRegistry meters, FetchRetry fetchRetry) {
        this.name = name;
        this.fetchRetry = fetchRetry;
        this.selector = selector;
        this.stores = List.copyOf(stores);
        this.cacheDir = cacheDir;
        this.loader = loader;
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "quorum-model-loader-" + name);
            t.setDaemon(true);
            return t;
        });
        Gauge.builder(Metrics.MODEL_SERVING_VERSION, current, c -> c.get() == null ? 0 : c.get().meta.version())
                .description("Registry version of the model now serving (0 = none)")
                .tag(Metrics.TAG_MODEL, name)
                .register(meters);
        this.loaded = Counter.builder(Metrics.MODEL_LOADS).tag(Metrics.TAG_MODEL, name)
                .tag(Metrics.TAG_OUTCOME, "loaded").description("Model versions verified and swapped in").register(meters);
        this.refused = Counter.builder(Metrics.MODEL_LOADS).tag(Metrics.TAG_MODEL, name)
                .tag(Metrics.TAG_OUTCOME, "refused").description("Model versions refused by a check").register(meters);
        this.fetchRetries = Counter.builder(Metrics.MODEL_FETCH_RETRIES).tag(Metrics.TAG_MODEL, name)
                .description("Transient artifact fetch failures retried with backoff").register(meters);
        this.loadTimer = Timer.builder(Metrics.MODEL_LOAD).tag(Metrics.TAG_MODEL, name)
                .description("Fetch, verification and load time of a model version").register(meters);
    }

    public String name() {
        return name;
    }

    public ModelSelector selector() {
        return selector;
    }

    /** Registry callback: schedules a load when the selected version differs from the one serving. */
    public void onRegistry(RegistryState state) {
        selector.resolve(state, name).ifPresent(target -> {
            ModelPublished previous = desired.getAndSet(target);
            if (previous == null || previous.version() != target.version() || !previous.sha256().equals(target.sha256())) {
                LOG.infof("%s: registry selects v%d (%s)", name, target.version(), selector);
            }
            executor.execute(this::reconcile);
        });
    }

    /** A lease on the serving model, or null when none is serving yet. Close it when the batch is done. */
    public Lease<M> acquire() {
        while (true) {
            Served<M> s = current.get();
            if (s == null) {
                return null;
            }
            if (s.retain()) {
                return new Lease<>(s);
            }
            // raced with a swap that released the last reference: read the new one
        }
    }

    /** Waits up to {@code timeout} for a model to serve; null if none did. */
    public Lease<M> await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (servingMonitor) {
            while (true) {
                Lease<M> lease = acquire();
                if (lease != null) {
                    return lease;
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return null;
                }
                servingMonitor.wait(Math.min(left, 1000));
            }
        }
    }

    /** Blocks until a version serves, logging every {@code logEvery} while none does (input waits, nothing is lost). */
    public Lease<M> awaitServing(Duration logEvery) throws InterruptedException {
        while (true) {
            Lease<M> lease = await(logEvery);
            if (lease != null) {
                return lease;
            }
            LOG.warnf("no version of %s is serving yet (%s); holding input until one is published", name, selector);
        }
    }

    /** The version serving now, or 0. */
    public int servingVersion() {
        Served<M> s = current.get();
        return s == null ? 0 : s.meta.version();
    }

    public Status status() {
        Served<M> s = current.get();
        ServingStatus serving = s == null ? null : new ServingStatus(s.meta.version(), s.meta.sha256(), s.meta.uri(),
                s.loadedAt, s.meta.signature().toString(), s.meta.properties(), s.meta.metrics());
        ModelPublished target = desired.get();
        List<VersionStatus> list = new ArrayList<>(versions.values());
        list.sort(Comparator.comparingInt(VersionStatus::version));
        return new Status(name, selector.toString(), serving, target == null ? null : target.version(), list);
    }

    private void reconcile() {
        ModelPublished target = desired.get();
        if (target == null) {
            return;
        }
        if (retrying != null && !retrying.isFor(target)) {
            // the registry moved on while a version was being retried: that version is no longer wanted
            versions.computeIfPresent(retrying.version(), (v, st) -> st.state() == LoadState.RETRYING ? null : st);
            retrying = null;
        }
        Served<M> serving = current.get();
        if (serving != null && serving.meta.version() == target.version() && serving.meta.sha256().equals(target.sha256())) {
            return;
        }
        VersionStatus known = versions.get(target.version());
        if (known != null && known.state() == LoadState.REFUSED && known.sha256().equals(target.sha256())) {
            return; // the same immutable artifact was refused before; keep serving what we have
        }
        if (retrying != null && System.nanoTime() < retrying.nextAttemptNanos()) {
            return; // woken by another registry event during the backoff: the scheduled attempt will come
        }
        versions.put(target.version(), new VersionStatus(target.version(), target.sha256(), LoadState.LOADING, null,
                null, System.currentTimeMillis()));
        long start = System.nanoTime();
        M model;
        try {
            Path dir = fetchAndVerify(target);
            model = loader.load(target, dir);
        } catch (ModelRejectedException e) {
            if (e.isTransient()) {
                retryLater(target, e);
            } else {
                retrying = null;
                refuse(target, e.check(), e.getMessage());
            }
            return;
        } catch (RuntimeException e) {
            retrying = null;
            refuse(target, "load", e.toString());
            return;
        }
        retrying = null;
        loadTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (desired.get() != target) {
            // the registry moved on while we loaded: serve it anyway only if nothing serves yet
            if (current.get() != null) {
                closeQuietly(model);
                versions.remove(target.version());
                return;
            }
        }
        Served<M> next = new Served<>(target, model, System.currentTimeMillis());
        Served<M> old = current.getAndSet(next);
        versions.put(target.version(), new VersionStatus(target.version(), target.sha256(), LoadState.SERVING, null,
                null, next.loadedAt));
        loaded.increment();
        synchronized (servingMonitor) {
            servingMonitor.notifyAll();
        }
        if (old != null) {
            versions.put(old.meta.version(), new VersionStatus(old.meta.version(), old.meta.sha256(), LoadState.RETIRED,
                    null, null, System.currentTimeMillis()));
            old.release();
        }
        LOG.infof("%s v%d (sha256 %s) verified and serving, loaded in %d ms%s", name, target.version(),
                target.sha256().substring(0, 12), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start),
                old == null ? "" : " (replaces v" + old.meta.version() + ")");
    }

    private void refuse(ModelPublished target, String check, String reason) {
        versions.put(target.version(), new VersionStatus(target.version(), target.sha256(), LoadState.REFUSED, check,
                reason, System.currentTimeMillis()));
        refused.increment();
        Served<M> s = current.get();
        LOG.warnf("%s v%d refused (%s check): %s; %s", name, target.version(), check, reason,
                s == null ? "no version is serving yet" : "v" + s.meta.version() + " keeps serving");
    }

    /**
     * A transient failure of {@code target}: schedule the next attempt after the backoff, or refuse the version when
     * the failures have lasted longer than the retry policy allows. The serving version is untouched either way.
     */
    private void retryLater(ModelPublished target, ModelRejectedException e) {
        long now = System.nanoTime();
        int failures = retrying == null ? 1 : retrying.failures() + 1;
        long first = retrying == null ? now : retrying.firstFailureNanos();
        Duration since = Duration.ofNanos(now - first);
        if (!fetchRetry.retryAllowed(failures, since)) {
            retrying = null;
            refuse(target, e.check(), e.getMessage() + " (still failing after " + failures + " attempts over "
                    + since.toSeconds() + " s)");
            return;
        }
        Duration wait = fetchRetry.delay(failures);
        retrying = new Retrying(target.version(), target.sha256(), failures, first, now + wait.toNanos());
        versions.put(target.version(), new VersionStatus(target.version(), target.sha256(), LoadState.RETRYING,
                e.check(), e.getMessage() + " (attempt " + failures + "; next in " + wait.toMillis() + " ms)",
                System.currentTimeMillis()));
        fetchRetries.increment();
        Served<M> s = current.get();
        LOG.warnf("%s v%d: %s; attempt %d failed, retrying in %d ms; %s", name, target.version(), e.getMessage(), failures,
                wait.toMillis(), s == null ? "no version is serving yet" : "v" + s.meta.version() + " keeps serving");
        executor.schedule(this::reconcile, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Transient failures of one version (number and hash) so far, and when the next attempt is due. */
    private record Retrying(int version, String sha256, int failures, long firstFailureNanos, long nextAttemptNanos) {
        boolean isFor(ModelPublished target) {
            return version == target.version() && sha256.equals(target.sha256());
        }
    }

    private Path fetchAndVerify(ModelPublished target) throws ModelRejectedException {
        return ArtifactFetcher.fetchOnce(target, stores, cacheDir.resolve(name).resolve(Integer.toString(target.version())));
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Served<M> s = current.getAndSet(null);
        if (s != null) {
            s.release();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("closing a model failed", e);
        }
    }

    /** A loaded version with a reference count; closed when the manager and every lease have let go. */
    static final class Served<M extends AutoCloseable> {
        final ModelPublished meta;
        final M model;
        final long loadedAt;
        private final AtomicInteger refs = new AtomicInteger(1);

        Served(ModelPublished meta, M model, long loadedAt) {
            this.meta = meta;
            this.model = model;
            this.loadedAt = loadedAt;
        }

        boolean retain() {
            while (true) {
                int r = refs.get();
                if (r <= 0) {
                    return false;
                }
                if (refs.compareAndSet(r, r + 1)) {
                    return true;
                }
            }
        }

        void release() {
            if (refs.decrementAndGet() == 0) {
                closeQuietly(model);
            }
        }
    }

    /** Use of the serving model for one batch; every output of the batch is tagged with {@link #version()}. */
    public static final class Lease<M extends AutoCloseable> implements AutoCloseable {
        private final Served<M> served;
        private boolean closed;

        Lease(Served<M> served) {
            this.served = served;
        }

        public M model() {
            return served.model;
        }

        public ModelPublished meta() {
            return served.meta;
        }

        public int version() {
            return served.meta.version();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                served.release();
            }
        }
    }
}
