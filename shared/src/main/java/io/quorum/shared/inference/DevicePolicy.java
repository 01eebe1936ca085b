package io.quorum.shared.inference;

import java.util.Locale;

/** Where ONNX Runtime sessions run ({@code quorum.inference.device}). */
public enum DevicePolicy {
    /** CUDA when the CUDA execution provider loads, otherwise CPU (logged and exported as a metric). */
    AUTO,
    /** Always CPU. */
    CPU,
    /** CUDA or fail: a session that cannot use CUDA is an error, never a silent CPU fallback. */
    CUDA;

    public static DevicePolicy parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("quorum.inference.device must be auto, cpu or cuda, got '" + value + "'");
        }
    }
}
