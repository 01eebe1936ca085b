package io.quorum.shared.events;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Encodes and decodes a vector-carrying event ({@link PairEmbedded}, {@link QuestionEmbedded}) in either
 * {@link ContentMode}: JSON (the event as JSON, as {@link EventCodec} reads it) or binary (raw little-endian float32 in
 * the value, the other fields in {@link VectorHeaders}). {@link #decode} tells the two apart per record from its
 * {@code content-type} and {@code ce_*} headers, so both can be mixed on one topic during a migration; every failure is
 * an {@link InvalidEventException} with the {@link RejectReason} its dead letter carries.
 */
public final class VectorCodec<T extends QuorumEvent> {

    /** A record value and its headers (UTF-8 text). */
    public record Encoded(byte[] value, Map<String, String> headers) {
    }

    private static final Map<String, String> JSON_HEADERS = Map.of(VectorHeaders.CONTENT_TYPE, VectorHeaders.CONTENT_TYPE_JSON);

    private final EventCodec<T> json;
    private final String type;
    private final int maxSchemaVersion;
    private final Binary<T> binary;

    private VectorCodec(Class<T> eventType, int maxSchemaVersion, String type, Binary<T> binary) {
        this.json = EventCodec.of(eventType, maxSchemaVersion);
        this.type = type;
        this.maxSchemaVersion = maxSchemaVersion;
        this.binary = binary;
    }

    /** The codec of {@link PairEmbedded}: value = left ‖ right ‖ features (when present). */
    public static VectorCodec<PairEmbedded> pairs() {
        return new VectorCodec<>(PairEmbedded.class, PairEmbedded.SCHEMA_VERSION, VectorHeaders.TYPE_PAIR_EMBEDDED,
                new PairBinary());
    }

    /** The codec of {@link QuestionEmbedded}: value = the question's vector, its text in a header. */
    public static VectorCodec<QuestionEmbedded> questions() {
        return new VectorCodec<>(QuestionEmbedded.class, QuestionEmbedded.SCHEMA_VERSION,
                VectorHeaders.TYPE_QUESTION_EMBEDDED, new QuestionBinary());
    }

    /**
     * The record value and headers of {@code event} in {@code mode}.
     *
     * @param source the {@code ce_source} of a binary-mode record: who publishes it (e.g. {@code /quorum/embedding})
     */
    public Encoded encode(T event, ContentMode mode, String source) {
        if (mode == ContentMode.JSON) {
            return new Encoded(json.encode(event), JSON_HEADERS);
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put(VectorHeaders.CONTENT_TYPE, VectorHeaders.CONTENT_TYPE_F32);
        h.put(VectorHeaders.SPEC_VERSION, VectorHeaders.SPEC_VERSION_1);
        h.put(VectorHeaders.TYPE, type);
        h.put(VectorHeaders.SOURCE, Checks.requiredText(source, "source"));
        h.put(VectorHeaders.SCHEMA_VERSION, Integer.toString(event.schemaVersion()));
        byte[] value = binary.encode(event, h);
        return new Encoded(value, h);
    }

    /** Decodes a record in whichever mode its headers say ({@link #modeOf}). */
    public T decode(byte[] value, Map<String, String> headers) throws InvalidEventException {
        if (modeOf(headers) == ContentMode.JSON) {
            return json.decode(value);
        }
        String spec = required(headers, VectorHeaders.SPEC_VERSION);
        if (!VectorHeaders.SPEC_VERSION_1.equals(spec)) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "header " + VectorHeaders.SPEC_VERSION + " is '"
                    + spec + "', not " + VectorHeaders.SPEC_VERSION_1);
        }
        String t = required(headers, VectorHeaders.TYPE);
        if (!type.equals(t)) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "header " + VectorHeaders.TYPE + " is '" + t
                    + "'; this topic carries " + type);
        }
        required(headers, VectorHeaders.SOURCE);
        int schemaVersion = intHeader(headers, VectorHeaders.SCHEMA_VERSION, true);
        if (schemaVersion < 1 || schemaVersion > maxSchemaVersion) {
            throw new InvalidEventException(RejectReason.UNSUPPORTED_SCHEMA, "schemaVersion " + schemaVersion
                    + " is not supported by this service (1.." + maxSchemaVersion + ")");
        }
        if (value == null || value.length == 0) {
            throw new InvalidEventException(RejectReason.MALFORMED_BINARY, "empty record value (tombstone or no payload)");
        }
        try {
            return binary.decode(value, headers, schemaVersion);
        } catch (IllegalArgumentException e) { // a record constructor's check
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new InvalidEventException(msg.startsWith(Checks.MISSING) ? RejectReason.MISSING_FIELD
                    : RejectReason.INVALID_VALUE, msg, e);
        }
    }

    /**
     * The content mode of a record: binary for {@code content-type: }{@value VectorHeaders#CONTENT_TYPE_F32}; JSON for
     * {@code application/json} (parameters allowed) or, with no CloudEvents header at all, no {@code content-type}
     * (records written before binary mode existed).
     *
     * @throws InvalidEventException {@link RejectReason#UNSUPPORTED_CONTENT_TYPE} for any other content type,
     *                               {@link RejectReason#MISSING_FIELD} for {@code ce_*} headers without a content type
     */
    public static ContentMode modeOf(Map<String, String> headers) throws InvalidEventException {
        String ct = headers.get(VectorHeaders.CONTENT_TYPE);
        if (ct == null) {
            if (headers.containsKey(VectorHeaders.SPEC_VERSION)) {
                throw new InvalidEventException(RejectReason.MISSING_FIELD, "missing required header: "
                        + VectorHeaders.CONTENT_TYPE + " (a CloudEvents binary-mode record names its value's media type)");
            }
            return ContentMode.JSON;
        }
        if (VectorHeaders.CONTENT_TYPE_F32.equals(ct)) {
            return ContentMode.BINARY;
        }
        int semi = ct.indexOf(';');
        String base = (semi < 0 ? ct : ct.substring(0, semi)).trim();
        if (base.equalsIgnoreCase(VectorHeaders.CONTENT_TYPE_JSON)) {
            return ContentMode.JSON;
        }
        throw new InvalidEventException(RejectReason.UNSUPPORTED_CONTENT_TYPE, "content-type '" + ct + "' is neither "
                + VectorHeaders.CONTENT_TYPE_F32 + " nor " + VectorHeaders.CONTENT_TYPE_JSON);
    }

    private interface Binary<T> {
        /** Writes the event's fields into {@code headers} and returns the value. */
        byte[] encode(T event, Map<String, String> headers);

        T decode(byte[] value, Map<String, String> headers, int schemaVersion) throws InvalidEventException;
    }

    private static final class PairBinary implements Binary<PairEmbedded> {
        @Override
        public byte[] encode(PairEmbedded p, Map<String, String> h) {
            h.put(VectorHeaders.ID, p.pairId());
            h.put(VectorHeaders.TIME, Instant.ofEpochMilli(p.embeddedAt()).toString());
            h.put(VectorHeaders.DIM, Integer.toString(p.left().dim()));
            Checks.check(p.left().dim() == p.right().dim(), "left and right vectors differ in length");
            putIfPresent(h, VectorHeaders.LEFT_ID, p.leftId());
            putIfPresent(h, VectorHeaders.RIGHT_ID, p.rightId());
            putIfPresent(h, VectorHeaders.EMBEDDER, p.embedder());
            putIfPresent(h, VectorHeaders.EMBEDDER_VERSION, p.embedderVersion() == null ? null : p.embedderVersion().toString());
            int fdim = p.features() == null ? 0 : p.features().dim();
            if (p.features() != null) {
                h.put(VectorHeaders.FEATURE_DIM, Integer.toString(fdim));
                h.put(VectorHeaders.FEATURE_SET, p.featureSet());
            }
            ByteBuffer buf = ByteBuffer.allocate(4 * (2 * p.left().dim() + fdim)).order(ByteOrder.LITTLE_ENDIAN);
            var floats = buf.asFloatBuffer();
            floats.put(p.left().values());
            floats.put(p.right().values());
            if (p.features() != null) {
                floats.put(p.features().values());
            }
            return buf.array();
        }

        @Override
        public PairEmbedded decode(byte[] value, Map<String, String> h, int schemaVersion) throws InvalidEventException {
            int dim = intHeader(h, VectorHeaders.DIM, true);
            String fdimText = h.get(VectorHeaders.FEATURE_DIM);
            int fdim = fdimText == null ? 0 : intHeader(h, VectorHeaders.FEATURE_DIM, true);
            if (dim < 1 || fdim < 0 || (fdimText != null && fdim < 1)) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "headers declare " + dim + " values per vector"
                        + (fdimText == null ? "" : " and " + fdim + " features"));
            }
            String featureSet = h.get(VectorHeaders.FEATURE_SET);
            if (fdimText != null && featureSet == null) {
                throw new InvalidEventException(RejectReason.MISSING_FIELD, "missing required header: "
                        + VectorHeaders.FEATURE_SET + " (with " + VectorHeaders.FEATURE_DIM + ")");
            }
            long expected = 4L * (2L * dim + fdim);
            if (value.length != expected) {
                throw new InvalidEventException(RejectReason.MALFORMED_BINARY, "value has " + value.length
                        + " bytes; headers declare 2 x " + dim + (fdim > 0 ? " + " + fdim : "") + " float32 = " + expected);
            }
            var floats = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] left = new float[dim];
            float[] right = new float[dim];
            floats.get(left).get(right);
            FloatVector features = null;
            if (fdim > 0) {
                float[] f = new float[fdim];
                floats.get(f);
                features = FloatVector.wrap(f);
            }
            return new PairEmbedded(schemaVersion, required(h, VectorHeaders.ID), h.get(VectorHeaders.LEFT_ID),
                    h.get(VectorHeaders.RIGHT_ID), FloatVector.wrap(left), FloatVector.wrap(right),
                    h.get(VectorHeaders.EMBEDDER), optionalInt(h, VectorHeaders.EMBEDDER_VERSION), time(h), features,
                    features == null ? null : featureSet);
        }
    }

    private static final class QuestionBinary implements Binary<QuestionEmbedded> {
        @Override
        public byte[] encode(QuestionEmbedded q, Map<String, String> h) {
            h.put(VectorHeaders.ID, q.questionId());
            h.put(VectorHeaders.TIME, Instant.ofEpochMilli(q.embeddedAt()).toString());
            h.put(VectorHeaders.DIM, Integer.toString(q.vector().dim()));
            putIfPresent(h, VectorHeaders.TEXT, q.text());
            putIfPresent(h, VectorHeaders.EMBEDDER, q.embedder());
            putIfPresent(h, VectorHeaders.EMBEDDER_VERSION, q.embedderVersion() == null ? null : q.embedderVersion().toString());
            ByteBuffer buf = ByteBuffer.allocate(4 * q.vector().dim()).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(q.vector().values());
            return buf.array();
        }

        @Override
        public QuestionEmbedded decode(byte[] value, Map<String, String> h, int schemaVersion) throws InvalidEventException {
            int dim = intHeader(h, VectorHeaders.DIM, true);
            if (dim < 1) {
                throw new InvalidEventException(RejectReason.INVALID_VALUE, "headers declare " + dim + " values per vector");
            }
            if (value.length != 4L * dim) {
                throw new InvalidEventException(RejectReason.MALFORMED_BINARY, "value has " + value.length
                        + " bytes; headers declare " + dim + " float32 = " + 4L * dim);
            }
            float[] v = new float[dim];
            ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
            return new QuestionEmbedded(schemaVersion, required(h, VectorHeaders.ID), h.get(VectorHeaders.TEXT),
                    FloatVector.wrap(v), h.get(VectorHeaders.EMBEDDER), optionalInt(h, VectorHeaders.EMBEDDER_VERSION),
                    time(h));
        }
    }

    /**
     * Epoch milliseconds of {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z} (the form {@link Instant#toString()} writes, which
     * every record of this codec carries), or {@link Long#MIN_VALUE} for any other form (parsed the slow way): the
     * general parser costs more than decoding the vectors.
     */
    static long utcMillis(String t) {
        int n = t.length();
        if (n < 20 || t.charAt(n - 1) != 'Z' || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T'
                || t.charAt(13) != ':' || t.charAt(16) != ':') {
            return Long.MIN_VALUE;
        }
        int year = digits(t, 0, 4);
        int month = digits(t, 5, 2);
        int day = digits(t, 8, 2);
        int hour = digits(t, 11, 2);
        int minute = digits(t, 14, 2);
        int second = digits(t, 17, 2);
        if ((year | month | day | hour | minute | second) < 0 || month < 1 || month > 12 || day < 1
                || day > java.time.YearMonth.of(year, month).lengthOfMonth() || hour > 23 || minute > 59 || second > 59) {
            return Long.MIN_VALUE;
        }
        int millis = 0;
        if (n > 20) {
            if (t.charAt(19) != '.' || n == 21 || n > 30) {
                return Long.MIN_VALUE;
            }
            int frac = digits(t, 20, Math.min(3, n - 21));
            for (int i = 23; i < n - 1; i++) {
                if (t.charAt(i) < '0' || t.charAt(i) > '9') {
                    return Long.MIN_VALUE;
                }
            }
            if (frac < 0) {
                return Long.MIN_VALUE;
            }
            for (int k = n - 21; k < 3; k++) {
                frac *= 10;
            }
            millis = frac;
        }
        long days = java.time.LocalDate.of(year, month, day).toEpochDay();
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L + millis;
    }

    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void putIfPresent(Map<String, String> h, String name, String value) {
        if (value != null) {
            h.put(name, value);
        }
    }

    private static String required(Map<String, String> h, String name) throws InvalidEventException {
        String v = h.get(name);
        if (v == null) {
            throw new InvalidEventException(RejectReason.MISSING_FIELD, "missing required header: " + name);
        }
        return v;
    }

    private static int intHeader(Map<String, String> h, String name, boolean required) throws InvalidEventException {
        String v = required ? required(h, name) : h.get(name);
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "header " + name + " is '" + v + "', not an integer");
        }
    }

    private static Integer optionalInt(Map<String, String> h, String name) throws InvalidEventException {
        return h.get(name) == null ? null : intHeader(h, name, false);
    }

    private static long time(Map<String, String> h) throws InvalidEventException {
        String t = h.get(VectorHeaders.TIME);
        if (t == null) {
            return 0;
        }
        long fast = utcMillis(t);
        if (fast != Long.MIN_VALUE) {
            return fast;
        }
        try {
            return java.time.OffsetDateTime.parse(t).toInstant().toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new InvalidEventException(RejectReason.INVALID_VALUE, "header " + VectorHeaders.TIME + " is '" + t
                    + "', not an RFC 3339 time");
        }
    }
}
