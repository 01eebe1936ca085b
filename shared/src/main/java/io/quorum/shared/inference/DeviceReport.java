package io.quorum.shared.inference;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The device the most recent session of this process runs on, for the {@code quorum_inference_device_info}
 * metric and health output.
 */
public final class DeviceReport {

    /** What was requested, what was obtained and why. */
    public record Choice(DevicePolicy requested, String device, String reason) {
    }

    /** The device of a choice that failed: CUDA was required and could not be used. */
    public static final String UNAVAILABLE = "unavailable";

    private static final AtomicReference<Choice> LAST = new AtomicReference<>();
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private DeviceReport() {
    }

    static void record(DevicePolicy requested, String device, String reason) {
        LAST.set(new Choice(requested, device, reason));
    }

    /** True only the first time: the CPU fallback is logged once per process, not once per session. */
    static boolean shouldLogFallback() {
        return FALLBACK_LOGGED.compareAndSet(false, true);
    }

    /**
     * Whether the sessions run where they were asked to: false when CUDA was required ({@link DevicePolicy#CUDA}) and the
     * last session is not on a CUDA device (it could not be opened, or ran elsewhere). {@code auto} falling back to CPU is
     * what {@code auto} means, so it is as asked; null (no session yet) is as asked too.
     */
    public static boolean asRequested(Choice c) {
        return c == null || c.requested() != DevicePolicy.CUDA || c.device().startsWith("cuda");
    }

    /** The last choice, or null when no session was opened yet. */
    public static Choice last() {
        return LAST.get();
    }
}
