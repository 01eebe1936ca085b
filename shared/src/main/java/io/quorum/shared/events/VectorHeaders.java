package io.quorum.shared.events;

/**
 * Headers of a vector-carrying event in binary content mode ({@link ContentMode#BINARY}): the record value is the raw
 * little-endian float32 values of the event's vectors, one after the other; the rest of the event travels in
 * CloudEvents Kafka binary-content-mode headers ({@code ce_*}, {@code content-type}) and Quorum headers
 * ({@code quorum_*}), all UTF-8 text. JSON-mode records carry {@code content-type: application/json} or no header at
 * all (records written before binary mode existed); a consumer tells the two apart per record.
 *
 * <p>{@code PairEmbedded} ({@link #TYPE_PAIR_EMBEDDED}): value = left[dim] ‖ right[dim] ‖ features[feature_dim],
 * {@code ce_id} = pairId. {@code QuestionEmbedded} ({@link #TYPE_QUESTION_EMBEDDED}): value = vector[dim],
 * {@code ce_id} = questionId, the text in {@link #TEXT}.
 */
public final class VectorHeaders {

    /** CloudEvents: the value's media type, {@link #CONTENT_TYPE_F32} or {@link #CONTENT_TYPE_JSON}. */
    public static final String CONTENT_TYPE = "content-type";
    /** CloudEvents (required): the spec version, {@value #SPEC_VERSION_1}. */
    public static final String SPEC_VERSION = "ce_specversion";
    /** CloudEvents (required): the event id: the pair id or the question id. */
    public static final String ID = "ce_id";
    /** CloudEvents (required): who published the event (a URI reference, e.g. {@code /quorum/embedding}). */
    public static final String SOURCE = "ce_source";
    /** CloudEvents (required): {@link #TYPE_PAIR_EMBEDDED} or {@link #TYPE_QUESTION_EMBEDDED}. */
    public static final String TYPE = "ce_type";
    /** CloudEvents (optional): when the vectors were made, RFC 3339 ({@code embeddedAt}; absent: 0). */
    public static final String TIME = "ce_time";
    /** Required: the event's schema version, as the JSON {@code schemaVersion}. */
    public static final String SCHEMA_VERSION = "quorum_schema_version";
    /** Required: values per vector ({@code left} and {@code right} each, or the question's {@code vector}). */
    public static final String DIM = "quorum_dim";
    /** Optional ({@code PairEmbedded}): values of the interaction features after the two vectors; absent: none. */
    public static final String FEATURE_DIM = "quorum_feature_dim";
    /** {@code PairEmbedded}, required with {@link #FEATURE_DIM}: the feature set's name. */
    public static final String FEATURE_SET = "quorum_feature_set";
    /** Optional ({@code PairEmbedded}): id of the first question. */
    public static final String LEFT_ID = "quorum_left_id";
    /** Optional ({@code PairEmbedded}): id of the second question. */
    public static final String RIGHT_ID = "quorum_right_id";
    /** Optional ({@code QuestionEmbedded}): the question's text. */
    public static final String TEXT = "quorum_text";
    /** Optional: the embedder model's name. */
    public static final String EMBEDDER = "quorum_embedder";
    /** Optional: the embedder model's registry version. */
    public static final String EMBEDDER_VERSION = "quorum_embedder_version";

    /** The CloudEvents spec version these headers follow. */
    public static final String SPEC_VERSION_1 = "1.0";
    /** Media type of a binary-mode value: little-endian IEEE 754 float32 values, nothing else. */
    public static final String CONTENT_TYPE_F32 = "application/vnd.quorum.float32le";
    /** Media type of a JSON-mode value. */
    public static final String CONTENT_TYPE_JSON = "application/json";
    /** {@code ce_type} of a {@code PairEmbedded}. */
    public static final String TYPE_PAIR_EMBEDDED = "io.quorum.pair.embedded";
    /** {@code ce_type} of a {@code QuestionEmbedded}. */
    public static final String TYPE_QUESTION_EMBEDDED = "io.quorum.question.embedded";

    private VectorHeaders() {
    }
}
