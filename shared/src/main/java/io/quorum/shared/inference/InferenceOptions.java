package io.quorum.shared.inference;

/**
 * How ONNX Runtime sessions are created.
 *
 * @param device         device policy
 * @param intraOpThreads threads used inside one operator (0 = ORT default: one per core)
 * @param interOpThreads threads used across independent operators (0 = ORT default)
 * @param cudaDeviceId   CUDA device ordinal when a GPU is used
 * @param spinWait       whether ONNX Runtime's worker threads spin between operators (its default; faster, but
 *                       CPU taken from co-located processes)
 */
public record InferenceOptions(DevicePolicy device, int intraOpThreads, int interOpThreads, int cudaDeviceId,
                               boolean spinWait) {

    public InferenceOptions {
        if (device == null) {
            device = DevicePolicy.AUTO;
        }
        if (intraOpThreads < 0 || interOpThreads < 0 || cudaDeviceId < 0) {
            throw new IllegalArgumentException("thread counts and device id must be >= 0");
        }
    }

    /** With spinning worker threads, ONNX Runtime's default. */
    public InferenceOptions(DevicePolicy device, int intraOpThreads, int interOpThreads, int cudaDeviceId) {
        this(device, intraOpThreads, interOpThreads, cudaDeviceId, true);
    }

    /** CPU, one intra-op thread: deterministic and cheap, what tests and small models want. */
    public static InferenceOptions cpu(int threads) {
        return new InferenceOptions(DevicePolicy.CPU, threads, 1, 0);
    }

    public static InferenceOptions defaults() {
        return new InferenceOptions(DevicePolicy.AUTO, 1, 1, 0);
    }
}
