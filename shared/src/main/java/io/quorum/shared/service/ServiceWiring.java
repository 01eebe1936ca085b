package io.quorum.shared.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.kafka.BatchMetrics;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.kafka.KafkaOutput;
import io.quorum.shared.model.ModelLoader;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.ModelSelector;
import io.quorum.shared.model.OnnxModelLoader;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

/**
 * The start-up wiring every model-serving service shares: a {@link ModelManager} per model on this service's stores,
 * cache directory, fetch retry and meters; ONNX loaders on the configured inference options that refresh the device
 * gauge; the output producer and batch metrics; a batch's lease on the serving version. The service still decides
 * when a manager is handed to {@link #serving()} (the registry listener and the readiness check).
 */
@ApplicationScoped
public class ServiceWiring {

    @Inject
    InferenceConfig inference;
    @Inject
    ModelServing serving;
    @Inject
    MeterRegistry meters;
    @Inject
    DeviceInfoGauge deviceInfo;
    @Inject
    KafkaClients clients;

    /** Turns a checked ONNX session of version {@code meta} into the model a service serves. */
    @FunctionalInterface
    public interface OnnxModel<M> {
        M of(ModelPublished meta, OnnxSession session) throws ModelRejectedException;
    }

    /** A manager of {@code model}'s versions chosen by {@code selector}, loaded by {@code loader}; not registered yet. */
    public <M extends AutoCloseable> ModelManager<M> manager(String service, String model, ModelSelector selector,
                                                             ModelLoader<M> loader) {
        return new ModelManager<>(model, selector, serving.stores(), serving.cacheDir(service), loader, meters,
                serving.fetchRetry());
    }

    /**
     * A manager of {@code model}'s versions following {@code follow} ({@link ModelSelector#parse}), each loaded by
     * {@link #onnxLoader}; not registered yet.
     */
    public <M extends AutoCloseable> ModelManager<M> onnxManager(String service, String model, String follow,
                                                                 OnnxModelLoader.Contract contract, OnnxModel<M> wrap) {
        return manager(service, model, ModelSelector.parse(follow), onnxLoader(contract, wrap));
    }

    /** Loads a version's primary ONNX artifact checked by {@code contract}, refreshes the device gauge, then wraps it. */
    public <M extends AutoCloseable> ModelLoader<M> onnxLoader(OnnxModelLoader.Contract contract, OnnxModel<M> wrap) {
        OnnxModelLoader onnx = onnx(contract);
        return (meta, dir) -> {
            OnnxModelLoader.Loaded loaded = onnx.load(meta, dir);
            deviceInfo.refresh();
            return wrap.of(meta, loaded.session());
        };
    }

    /** A plain ONNX loader on the configured inference options (no device gauge refresh). */
    public OnnxModelLoader onnx(OnnxModelLoader.Contract contract) {
        return new OnnxModelLoader(inference.options(), contract);
    }

    /** The configured ONNX Runtime options ({@code quorum.inference.*}). */
    public InferenceOptions inferenceOptions() {
        return inference.options();
    }

    /** Re-reads the device of the session just opened into {@code quorum_inference_device_info}. */
    public void deviceLoaded() {
        deviceInfo.refresh();
    }

    /** This service's output producer. */
    public KafkaOutput output(String service) {
        return clients.output(service);
    }

    /** This service's output producer with producer setting {@code overrides}. */
    public KafkaOutput output(String service, Map<String, ?> overrides) {
        return clients.output(service, overrides);
    }

    /** Batch metrics of input {@code topic} served by {@code model}. */
    public BatchMetrics batchMetrics(String topic, String model) {
        return new BatchMetrics(meters, topic, model);
    }

    public ModelServing serving() {
        return serving;
    }

    public MeterRegistry meters() {
        return meters;
    }

    public KafkaClients clients() {
        return clients;
    }

    /**
     * Blocks until {@code manager} serves a version (logging every {@code logEvery} while none does) and returns the
     * lease; an interrupt is kept and ends the wait with an {@link IllegalStateException}.
     */
    public static <M extends AutoCloseable> ModelManager.Lease<M> awaitServing(ModelManager<M> manager, Duration logEvery) {
        try {
            return manager.awaitServing(logEvery);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model", e);
        }
    }

    /** Runs {@code batch} on the version serving when it starts ({@link #awaitServing}), the lease released after. */
    public static <M extends AutoCloseable> BatchResult withServing(ModelManager<M> manager, Duration logEvery,
                                                                    Function<M, BatchResult> batch) {
        ModelManager.Lease<M> lease = awaitServing(manager, logEvery);
        try {
            return batch.apply(lease.model());
        } finally {
            lease.close();
        }
    }
}
