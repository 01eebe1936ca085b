package io.quorum.adversarial;

import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.model.ModelManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The models requests name, loaded on demand: one {@link ModelManager} per (name, alias or version), created the
 * first time a request names it, kept in a bounded cache (least recently used evicted: unregistered and closed; a
 * batch still holding a lease on its model finishes on it). Each manager follows the registry like any service's,
 * so a followed alias that moves is hot-swapped: requests that start after the swap get the new version.
 *
 * <p><b>Waiting for a model never loaded.</b> {@link #acquire} returns a lease on the serving version at once when
 * there is one. Otherwise it waits, bounded: while the registry does not name a version for the reference, up to
 * {@code unknownWait} after the registry has caught up (a model published just before the request still arrives);
 * once it names one, up to {@code modelWait} for the fetch, verification and load. A version refused by its checks
 * fails at once. Every failure is an {@link InvalidEventException} with {@link RejectReason#UNKNOWN_MODEL} and the
 * reason, so the request is dead-lettered and the next one is served.
 */
final class TargetModels implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TargetModels.class);
    private static final Duration SLICE = Duration.ofMillis(100);

    /** Where managers are registered (the service's {@code ModelServing}: registry, {@code GET /models}). */
    interface Registration {
        void register(ModelManager<AttackModel> manager);

        void unregister(ModelManager<AttackModel> manager);

        /** Whether the registry topic has been read to its end once. */
        boolean caughtUp();
    }

    /** Builds the manager of a reference (not yet registered). */
    @FunctionalInterface
    interface Factory {
        ModelManager<AttackModel> create(ModelRef ref);
    }

    private final Factory factory;
    private final Registration registration;
    private final int capacity;
    private final Duration modelWait;
    private final Duration unknownWait;
    private final java.util.function.Consumer<ModelManager<AttackModel>> onEvict;
    private final LinkedHashMap<ModelRef, ModelManager<AttackModel>> cache = new LinkedHashMap<>(16, 0.75f, true);

    TargetModels(Factory factory, Registration registration, int capacity, Duration modelWait, Duration unknownWait,
                 java.util.function.Consumer<ModelManager<AttackModel>> onEvict) {
        if (capacity < 1) {
            throw new IllegalArgumentException("model cache size must be at least 1, not " + capacity);
        }
        this.factory = factory;
        this.registration = registration;
        this.capacity = capacity;
        this.modelWait = modelWait;
        this.unknownWait = unknownWait;
        this.onEvict = onEvict;
    }

    /** A lease on the version {@code ref} selects, waiting as the class comment says; close it when done. */
    ModelManager.Lease<AttackModel> acquire(ModelRef ref) throws InvalidEventException {
        ModelManager<AttackModel> manager = manager(ref);
        ModelManager.Lease<AttackModel> lease = manager.acquire();
        if (lease != null) {
            return lease;
        }
        long start = System.nanoTime();
        Long namedAt = null;
        long caughtUpAt = -1;
        while (true) {
            try {
                lease = manager.await(SLICE);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InvalidEventException(RejectReason.PROCESSING_FAILED, "interrupted while waiting for " + ref);
            }
            if (lease != null) {
                return lease;
            }
            long now = System.nanoTime();
            ModelManager.Status status = manager.status();
            Integer target = status.targetVersion();
            if (target != null) {
                namedAt = namedAt == null ? now : namedAt;
                ModelManager.VersionStatus v = status.versions().stream().filter(s -> s.version() == target).findFirst()
                        .orElse(null);
                if (v != null && v.state() == ModelManager.LoadState.REFUSED) {
                    throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, ref + ": v" + target + " was refused ("
                            + v.failedCheck() + " check): " + v.reason());
                }
                if (now - namedAt > modelWait.toNanos()) {
                    throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, ref + ": v" + target + " did not load within "
                            + modelWait.toSeconds() + " s" + (v == null ? "" : " (" + v.state() + (v.reason() == null ? ""
                            : ": " + v.reason()) + ")"));
                }
            } else if (registration.caughtUp()) {
                caughtUpAt = caughtUpAt < 0 ? now : caughtUpAt;
                if (now - caughtUpAt > unknownWait.toNanos()) {
                    throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, "the registry has no version of " + ref);
                }
            } else if (now - start > modelWait.toNanos()) {
                throw new InvalidEventException(RejectReason.UNKNOWN_MODEL, "the model registry was not read within "
                        + modelWait.toSeconds() + " s, so " + ref + " cannot be found");
            }
        }
    }

    /** The manager of {@code ref}, created and registered on first use. */
    ModelManager<AttackModel> manager(ModelRef ref) {
        List<ModelManager<AttackModel>> evicted = new ArrayList<>();
        ModelManager<AttackModel> m;
        boolean created = false;
        synchronized (cache) {
            m = cache.get(ref);
            if (m == null) {
                m = factory.create(ref);
                cache.put(ref, m);
                created = true;
                var it = cache.entrySet().iterator();
                while (cache.size() > capacity && it.hasNext()) {
                    Map.Entry<ModelRef, ModelManager<AttackModel>> eldest = it.next();
                    if (eldest.getValue() != m) {
                        evicted.add(eldest.getValue());
                        it.remove();
                    }
                }
            }
        }
        for (ModelManager<AttackModel> e : evicted) {
            LOG.infof("unloading %s (%s): more than %d models in use", e.name(), e.selector(), capacity);
            registration.unregister(e);
            e.close();
            onEvict.accept(e);
        }
        if (created) {
            LOG.infof("first request for %s: loading it", ref);
            registration.register(m);
        }
        return m;
    }

    /** The references loaded now, least recently used first. */
    List<ModelRef> loaded() {
        synchronized (cache) {
            return List.copyOf(cache.keySet());
        }
    }

    @Override
    public void close() {
        List<ModelManager<AttackModel>> all;
        synchronized (cache) {
            all = new ArrayList<>(cache.values());
            cache.clear();
        }
        for (ModelManager<AttackModel> m : all) {
            registration.unregister(m);
            m.close();
        }
    }
}
