package io.quorum.shared.service;

import io.quorum.shared.inference.DevicePolicy;
import io.quorum.shared.inference.InferenceOptions;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** ONNX Runtime settings of a service ({@code quorum.inference.*}). */
@ConfigMapping(prefix = "quorum.inference")
public interface InferenceConfig {

    /** Device policy: {@code auto} (CUDA if it loads, else CPU, logged), {@code cpu}, or {@code cuda} (fail fast). */
    @WithDefault("auto")
    String device();

    /** Threads inside one operator; 0 lets ONNX Runtime use one per core (MiniLM: sub-batches run at once, one thread each). */
    @WithDefault("1")
    int intraOpThreads();

    /** Threads across independent operators; 0 is ONNX Runtime's default. */
    @WithDefault("1")
    int interOpThreads();

    /** CUDA device ordinal used when a GPU is used. */
    @WithDefault("0")
    int cudaDeviceId();

    /**
     * Whether ONNX Runtime's intra-op worker threads spin-wait between operators (ORT's default): much faster with
     * several intra-op threads (MiniLM: ~1.3x on 2 cores), at the price of CPU taken from co-located processes.
     */
    @WithDefault("true")
    boolean spinWait();

    default InferenceOptions options() {
        return new InferenceOptions(DevicePolicy.parse(device()), intraOpThreads(), interOpThreads(), cudaDeviceId(),
                spinWait());
    }
}
