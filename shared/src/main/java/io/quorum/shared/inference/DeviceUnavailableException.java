package io.quorum.shared.inference;

/** The device policy asked for a device (CUDA) that cannot be used on this machine. */
public class DeviceUnavailableException extends RuntimeException {
    public DeviceUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
