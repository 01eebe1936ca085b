package io.quorum.shared.events;

/**
 * The headers of a photo on {@code quorum.images}: the photo travels as the raw JPEG/PNG bytes of the record value, its
 * metadata in CloudEvents Kafka binary-content-mode headers (UTF-8 text), so nothing is base64-inflated.
 */
public final class PhotoHeaders {

    /** CloudEvents binary mode: the event id (the image id). */
    public static final String ID = "ce_id";
    /** CloudEvents binary mode: who published the photo. */
    public static final String SOURCE = "ce_source";
    /** CloudEvents binary mode: the event type. */
    public static final String TYPE = "ce_type";
    /** CloudEvents binary mode: the spec version ({@value #SPEC_VERSION_1}). */
    public static final String SPEC_VERSION = "ce_specversion";
    /** CloudEvents binary mode: the value's media type ({@code image/jpeg}, {@code image/png}). */
    public static final String CONTENT_TYPE = "content-type";
    /** A CloudEvents extension attribute: {@code true} when the photo is already an aligned face crop. */
    public static final String ALIGNED = "ce_aligned";
    /**
     * Asks the image-scoring service for an explanation of this photo ({@code occlusion}: the occlusion-sensitivity
     * PNG on {@code quorum.images.explained}; {@code none}: no explanation even when the service explains by default).
     */
    public static final String EXPLAIN = "quorum_explain";

    /** The CloudEvents spec version these headers follow. */
    public static final String SPEC_VERSION_1 = "1.0";
    /** The event type of a submitted photo. */
    public static final String TYPE_PHOTO_SUBMITTED = "io.quorum.photo.submitted";

    private PhotoHeaders() {
    }

    /** The media type of a photo file by its extension ({@code application/octet-stream} when unknown). */
    public static String contentType(String fileName) {
        String n = fileName.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".jpg") || n.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (n.endsWith(".png")) {
            return "image/png";
        }
        if (n.endsWith(".bmp")) {
            return "image/bmp";
        }
        if (n.endsWith(".gif")) {
            return "image/gif";
        }
        return "application/octet-stream";
    }
}
