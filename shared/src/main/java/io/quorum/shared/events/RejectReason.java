package io.quorum.shared.events;

/**
 * Why a record was sent to a dead-letter topic. The code travels in the {@code quorum-reason-code}
 * header and labels the {@code quorum_records_dead_lettered_total} counter.
 */
public enum RejectReason {
    /** The value is not parseable JSON (or not valid UTF-8 JSON). */
    MALFORMED_JSON,
    /**
     * A binary-content-mode value ({@code application/vnd.quorum.float32le}) whose byte length does not match the
     * vector dimensions its headers declare, or that is empty.
     */
    MALFORMED_BINARY,
    /** The record's {@code content-type} header names a media type this topic does not carry. */
    UNSUPPORTED_CONTENT_TYPE,
    /** A required field (or, in binary content mode, a required header) is missing or null. */
    MISSING_FIELD,
    /** The record's schemaVersion is newer than this service understands. */
    UNSUPPORTED_SCHEMA,
    /** A field has an invalid value (wrong type, out of range, bad encoding). */
    INVALID_VALUE,
    /** A vector's length does not match the model's input dimension. */
    WRONG_DIMENSION,
    /** A vector contains NaN or infinity. */
    NON_FINITE,
    /** A text is empty or whitespace only. */
    EMPTY_TEXT,
    /** A text is longer than the configured limit. */
    TEXT_TOO_LONG,
    /** The bytes are not valid UTF-8. */
    INVALID_UTF8,
    /** The record names an embedder or model this service does not have. */
    UNKNOWN_MODEL,
    /**
     * The record asks for an operation this service does not offer, or not on the model it names: an attack it does
     * not know, or a white-box attack on a model published without a gradient graph.
     */
    UNSUPPORTED_ATTACK,
    /** The model failed on this record (isolated from the rest of its batch). */
    INFERENCE_FAILED,
    /**
     * A record exceeds a size or count limit other than a text's length: the value too large, too many entries, a
     * key or value of a map too long.
     */
    LIMIT_EXCEEDED,
    /** The record value is not an image any decoder recognises (image-scoring). */
    NOT_AN_IMAGE,
    /** The image's header declares more pixels (or a longer side) than allowed: refused before decoding. */
    DECOMPRESSION_BOMB,
    /** The image data ends early (a truncated JPEG/PNG stream). */
    TRUNCATED_IMAGE,
    /** The image's header or compressed data is invalid. */
    CORRUPT_IMAGE,
    /** A recognised image format the decoder cannot render (e.g. CMYK JPEG). */
    UNSUPPORTED_IMAGE,
    /** A decodable photo in which the detector finds no face. */
    NO_FACE,
    /** The record was valid but could not be processed for another reason. */
    PROCESSING_FAILED
}
