package io.quorum.shared.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.FetchRetry;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The models of one service: follows the registry topic once and feeds every registered {@link ModelManager}.
 * {@code GET /models}, the readiness check and the gauges read from here.
 */
@ApplicationScoped
public class ModelServing {

    @Inject
    ModelsConfig config;

    @Inject
    KafkaClients clients;

    @Inject
    MeterRegistry meters;

    private final List<ModelManager<?>> managers = new CopyOnWriteArrayList<>();
    private final java.util.Set<String> optional = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Model names with a {@code quorum_model_required} gauge. */
    private final java.util.Set<String> gauged = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private ModelRegistry registry;
    private ModelRegistry.Follower follower;

    /** The stores this service can fetch from. */
    public List<ModelStore> stores() {
        return List.of(new FileSystemModelStore(Path.of(config.storeDir())));
    }

    /** How transient artifact fetch failures are retried ({@code quorum.models.fetch-retry.*}). */
    public FetchRetry fetchRetry() {
        return config.fetchRetryPolicy();
    }

    /** Local cache directory for {@code service}. */
    public Path cacheDir(String service) {
        return Path.of(config.cacheDir()).resolve(service);
    }

    /** Adds a model the service cannot work without (readiness waits for it). */
    public void register(ModelManager<?> manager) {
        register(manager, true);
    }

    /**
     * Adds a manager and starts following the registry (once). An optional model (an embedder records may ask for)
     * does not hold readiness back.
     */
    public synchronized void register(ModelManager<?> manager, boolean required) {
        if (!required) {
            optional.add(manager.name());
        }
        managers.add(manager);
        String name = manager.name();
        if (gauged.add(name)) {
            Gauge.builder(Metrics.MODEL_REQUIRED, this, s -> s.requiredNow(name) ? 1 : 0).tag(Metrics.TAG_MODEL, name)
                    .description("1 when readiness waits for this model, 0 when it is optional or no longer served")
                    .register(meters);
        }
        if (follower == null) {
            follow();
        } else {
            manager.onRegistry(follower.state());
        }
    }

    /**
     * Follows the registry without a model yet: a service that creates its managers on demand (the adversarial
     * service loads the models requests name) starts here so that {@link #registryCaughtUp()} means something.
     */
    public synchronized void follow() {
        if (follower == null) {
            registry = new ModelRegistry(clients);
            follower = registry.follow(this::dispatch);
        }
    }

    /** Removes a manager added on demand (the caller closes it); {@code GET /models} and readiness stop showing it. */
    public synchronized void unregister(ModelManager<?> manager) {
        managers.remove(manager);
        if (managers.stream().noneMatch(m -> m.name().equals(manager.name()))) {
            optional.remove(manager.name());
        }
    }

    private void dispatch(RegistryState state) {
        for (ModelManager<?> m : managers) {
            m.onRegistry(state);
        }
    }

    /** Whether {@code model} is registered now and readiness waits for it. */
    private boolean requiredNow(String model) {
        return managers.stream().anyMatch(m -> m.name().equals(model)) && !optional.contains(model);
    }

    /** Whether readiness waits for {@code model}. */
    public boolean required(String model) {
        return !optional.contains(model);
    }

    public List<ModelManager<?>> managers() {
        return List.copyOf(managers);
    }

    /** True once the registry topic was read to its end. */
    public boolean registryCaughtUp() {
        return follower != null && follower.caughtUp();
    }

    public List<ModelManager.Status> statuses() {
        return managers.stream().<ModelManager.Status>map(ModelManager::status).toList();
    }

    synchronized void onStop(@Observes ShutdownEvent ev) {
        if (follower != null) {
            follower.close();
        }
        if (registry != null) {
            registry.close();
        }
        for (ModelManager<?> m : managers) {
            m.close();
        }
    }
}
