package io.quorum.faces.image;

/**
 * A photo refused before or while decoding, or for holding no face, with a stable reason code (for dead-letter headers
 * and metrics).
 */
public final class ImageRejectedException extends Exception {

    /** Why an input was refused. */
    public enum Reason {
        /** More bytes than the configured record limit. */
        OVERSIZED_INPUT,
        /** No image reader recognises the bytes (not JPEG/PNG/BMP/GIF...). */
        NOT_AN_IMAGE,
        /** The header declares more pixels (or a longer side) than allowed: refused before any pixel is decoded. */
        DECOMPRESSION_BOMB,
        /** The data ends early (a truncated JPEG/PNG stream). */
        TRUNCATED_IMAGE,
        /** The header or the compressed data is invalid. */
        CORRUPT_IMAGE,
        /** A recognised format the decoder cannot render (e.g. a CMYK JPEG without a colour profile reader). */
        UNSUPPORTED_IMAGE,
        /** A decodable photo in which the detector finds no face. */
        NO_FACE;

        /** The code as published ({@code not-an-image}). */
        public String code() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    private final Reason reason;

    public ImageRejectedException(Reason reason, String message) {
        super(reason.code() + ": " + message);
        this.reason = reason;
    }

    public ImageRejectedException(Reason reason, String message, Throwable cause) {
        super(reason.code() + ": " + message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
