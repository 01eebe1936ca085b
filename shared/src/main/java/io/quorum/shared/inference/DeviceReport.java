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

    /** The last choice, or null when no session was opened yet. */
    public static Choice last() {
        return LAST.get();
    }
}
