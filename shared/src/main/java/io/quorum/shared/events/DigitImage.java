package io.quorum.shared.events;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Base64;

/**
 * A grayscale image inline in an event: {@code width x height} pixels, row-major, either as 8-bit {@code pixels}
 * (base64 of one unsigned byte per pixel, 0 = background, 255 = ink: what a camera or an upload service sends) or as
 * exact float32 intensities in [0, 1] ({@code values}: what the adversarial service sends, since a perturbation of
 * {@code eps} must not be rounded to 1/255). Exactly one of the two is present.
 */
public record DigitImage(int width, int height, String pixels, FloatVector values) {

    /** Largest side accepted: digits are 28x28; anything much larger is not a digit image. */
    public static final int MAX_SIDE = 256;

    public DigitImage {
        Checks.check(width > 0 && height > 0 && width <= MAX_SIDE && height <= MAX_SIDE,
                "image size " + width + "x" + height + " is outside 1.." + MAX_SIDE);
        Checks.check((pixels == null) != (values == null), "an image carries exactly one of 'pixels' and 'values'");
    }

    /** An 8-bit image. */
    public static DigitImage ofBytes(int width, int height, byte[] pixels) {
        return new DigitImage(width, height, Base64.getEncoder().encodeToString(pixels), null);
    }

    /** A float image with intensities in [0, 1]. */
    public static DigitImage ofFloats(int width, int height, float[] values) {
        return new DigitImage(width, height, null, FloatVector.of(values));
    }

    /**
     * The intensities in [0, 1], row-major. Throws {@link IllegalArgumentException} when the data does not hold
     * {@code width * height} values, when a value is not finite or when it lies outside [0, 1].
     */
    @JsonIgnore
    public float[] intensities() {
        int n = width * height;
        float[] out;
        if (pixels != null) {
            byte[] b;
            try {
                b = Base64.getDecoder().decode(pixels);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'pixels' is not base64: " + e.getMessage());
            }
            if (b.length != n) {
                throw new IllegalArgumentException(width + "x" + height + " image needs " + n + " pixels, got " + b.length);
            }
            out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = (b[i] & 0xFF) / 255f;
            }
        } else {
            if (values.dim() != n) {
                throw new IllegalArgumentException(width + "x" + height + " image needs " + n + " values, got " + values.dim());
            }
            out = values.toArray();
            for (int i = 0; i < n; i++) {
                if (!Float.isFinite(out[i])) {
                    throw new IllegalArgumentException("value " + i + " is " + out[i]);
                }
                if (out[i] < 0f || out[i] > 1f) {
                    throw new IllegalArgumentException("value " + i + " is " + out[i] + ", outside [0, 1]");
                }
            }
        }
        return out;
    }
}
