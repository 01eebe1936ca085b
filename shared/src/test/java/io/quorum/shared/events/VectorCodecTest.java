package io.quorum.shared.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.json.Json;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorCodecTest {

    private final VectorCodec<PairEmbedded> pairs = VectorCodec.pairs();
    private final VectorCodec<QuestionEmbedded> questions = VectorCodec.questions();

    /** Floats whose bit patterns a decimal round trip would not keep: subnormals, -0, extremes, NaN payload-free. */
    private static float[] awkward(int n, long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = Float.intBitsToFloat(rnd.nextInt() & 0x7F7FFFFF | (rnd.nextBoolean() ? 0x80000000 : 0));
        }
        v[0] = -0f;
        v[1] = Float.MIN_VALUE;
        v[2] = Float.MAX_VALUE;
        v[3] = 1e-40f; // subnormal
        return v;
    }

    private PairEmbedded pair(boolean features) {
        return new PairEmbedded(1, "p-1", "q-1", "q-2", FloatVector.wrap(awkward(384, 1)), FloatVector.wrap(awkward(384, 2)),
                "minilm", 3, 1_764_000_123_456L, features ? FloatVector.wrap(awkward(17, 3)) : null,
                features ? "align-v1" : null);
    }

    private static void assertBitExact(FloatVector a, FloatVector b) {
        assertThat(a.dim()).isEqualTo(b.dim());
        for (int i = 0; i < a.dim(); i++) {
            assertThat(Float.floatToRawIntBits(b.get(i))).as("value %d", i).isEqualTo(Float.floatToRawIntBits(a.get(i)));
        }
    }

    @Test
    void binaryRoundTripIsBitExactWithAndWithoutFeatures() throws Exception {
        for (boolean features : new boolean[] {false, true}) {
            PairEmbedded p = pair(features);
            VectorCodec.Encoded e = pairs.encode(p, ContentMode.BINARY, "/quorum/embedding");
            assertThat(e.value()).hasSize(4 * (2 * 384 + (features ? 17 : 0)));
            PairEmbedded back = pairs.decode(e.value(), e.headers());
            assertThat(back).isEqualTo(p);
            assertBitExact(p.left(), back.left());
            assertBitExact(p.right(), back.right());
            if (features) {
                assertBitExact(p.features(), back.features());
            }
        }
    }

    @Test
    void valueIsRawLittleEndianFloat32AndHeadersFollowCloudEvents() {
        PairEmbedded p = new PairEmbedded(1, "p-7", null, "r", FloatVector.of(1f, -2f), FloatVector.of(0.5f, 3f),
                "minilm", null, 1_764_000_000_000L);
        VectorCodec.Encoded e = pairs.encode(p, ContentMode.BINARY, "/quorum/embedding");
        ByteBuffer b = ByteBuffer.wrap(e.value()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new float[] {b.getFloat(), b.getFloat(), b.getFloat(), b.getFloat()})
                .containsExactly(1f, -2f, 0.5f, 3f);
        assertThat(e.value()[0]).isZero(); // 1.0f = 0x3F800000: the low byte first
        assertThat(e.value()[3]).isEqualTo((byte) 0x3F);
        assertThat(e.headers()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "content-type", "application/vnd.quorum.float32le",
                "ce_specversion", "1.0",
                "ce_type", "io.quorum.pair.embedded",
                "ce_source", "/quorum/embedding",
                "ce_id", "p-7",
                "ce_time", "2025-11-24T16:00:00Z",
                "quorum_schema_version", "1",
                "quorum_dim", "2",
                "quorum_right_id", "r",
                "quorum_embedder", "minilm"));
    }

    @Test
    void jsonModeIsTheJsonEventWithItsContentType() throws Exception {
        PairEmbedded p = pair(true);
        VectorCodec.Encoded e = pairs.encode(p, ContentMode.JSON, "/quorum/embedding");
        assertThat(e.value()).isEqualTo(Json.toBytes(p));
        assertThat(e.headers()).containsExactly(Map.entry("content-type", "application/json"));
        assertThat(pairs.decode(e.value(), e.headers())).isEqualTo(p);
        // records written before binary mode: no headers at all
        assertThat(pairs.decode(e.value(), Map.of())).isEqualTo(p);
        assertThat(pairs.decode(e.value(), Map.of("content-type", "application/json; charset=utf-8"))).isEqualTo(p);
    }

    @Test
    void questionsRoundTripWithTheirText() throws Exception {
        QuestionEmbedded q = new QuestionEmbedded(1, "q-9", "Wie geht's? ✓ \"quoted\"\nnew line", FloatVector.wrap(awkward(384, 9)),
                "minilm-q", 2, 42L);
        VectorCodec.Encoded e = questions.encode(q, ContentMode.BINARY, "/quorum/embedding");
        assertThat(e.value()).hasSize(384 * 4);
        assertThat(e.headers()).containsEntry("ce_type", "io.quorum.question.embedded").containsEntry("ce_id", "q-9");
        QuestionEmbedded back = questions.decode(e.value(), e.headers());
        assertThat(back).isEqualTo(q);
        assertBitExact(q.vector(), back.vector());
        VectorCodec.Encoded j = questions.encode(q, ContentMode.JSON, "x");
        assertThat(questions.decode(j.value(), j.headers())).isEqualTo(q);
    }

    private RejectReason refusal(byte[] value, Map<String, String> headers) {
        try {
            pairs.decode(value, headers);
            throw new AssertionError("decoded");
        } catch (InvalidEventException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.reason();
        }
    }

    private Map<String, String> headers(VectorCodec.Encoded e, String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(e.headers());
        if (value == null) {
            h.remove(name);
        } else {
            h.put(name, value);
        }
        return h;
    }

    @Test
    void refusesMalformedBinaryRecordsWithTheirReasons() {
        VectorCodec.Encoded e = pairs.encode(pair(true), ContentMode.BINARY, "/quorum/embedding");
        byte[] v = e.value();
        assertThat(refusal(Arrays.copyOf(v, v.length - 4), e.headers())).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(Arrays.copyOf(v, v.length - 1), e.headers())).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(Arrays.copyOf(v, v.length + 4), e.headers())).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(new byte[0], e.headers())).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(null, e.headers())).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(v, headers(e, "quorum_dim", "385"))).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(v, headers(e, "quorum_feature_dim", null))).isEqualTo(RejectReason.MALFORMED_BINARY);
        for (String required : new String[] {"ce_id", "ce_source", "ce_type", "ce_specversion", "quorum_dim",
                "quorum_schema_version", "quorum_feature_set"}) {
            assertThat(refusal(v, headers(e, required, null))).as(required).isEqualTo(RejectReason.MISSING_FIELD);
        }
        assertThat(refusal(v, headers(e, "content-type", null))).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(refusal(v, headers(e, "content-type", "application/x-protobuf")))
                .isEqualTo(RejectReason.UNSUPPORTED_CONTENT_TYPE);
        assertThat(refusal(v, headers(e, "quorum_schema_version", "2"))).isEqualTo(RejectReason.UNSUPPORTED_SCHEMA);
        assertThat(refusal(v, headers(e, "quorum_schema_version", "0"))).isEqualTo(RejectReason.UNSUPPORTED_SCHEMA);
        assertThat(refusal(v, headers(e, "quorum_dim", "many"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "quorum_dim", "0"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "quorum_dim", "-1"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "quorum_dim", "2147483647"))).isEqualTo(RejectReason.MALFORMED_BINARY);
        assertThat(refusal(v, headers(e, "ce_type", "io.quorum.question.embedded"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "ce_specversion", "0.3"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "ce_time", "yesterday"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "ce_id", " "))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(refusal(v, headers(e, "quorum_embedder_version", "v2"))).isEqualTo(RejectReason.INVALID_VALUE);
        // a binary value read as JSON is not UTF-8 (or not JSON): never silently misread
        assertThat(refusal(v, Map.of())).isIn(RejectReason.INVALID_UTF8, RejectReason.MALFORMED_JSON);
    }

    @Test
    void nonFiniteValuesDecodeExactlySoValidationCanNameThem() throws Exception {
        float[] l = {1f, Float.NaN, 2f};
        PairEmbedded p = new PairEmbedded(1, "n", null, null, FloatVector.wrap(l), FloatVector.of(1f, 2f, Float.POSITIVE_INFINITY),
                null, null, 0L);
        VectorCodec.Encoded e = pairs.encode(p, ContentMode.BINARY, "s");
        PairEmbedded back = pairs.decode(e.value(), e.headers());
        assertThat(back.left().firstNonFinite()).isEqualTo(1);
        assertThat(back.right().firstNonFinite()).isEqualTo(2);
        assertThat(back.embeddedAt()).isZero();
    }

    @Test
    void ceTimeIsReadInEveryRfc3339FormTheFastPathAgreesWithJavaTime() throws Exception {
        for (String t : new String[] {"2025-11-24T16:00:00Z", "2025-11-24T16:00:00.1Z", "2025-11-24T16:00:00.12Z",
                "2025-11-24T16:00:00.123Z", "2025-11-24T16:00:00.123456789Z", "1970-01-01T00:00:00Z",
                "2024-02-29T23:59:59.999Z", "1969-12-31T23:59:59.5Z"}) {
            assertThat(VectorCodec.utcMillis(t)).as(t).isEqualTo(java.time.Instant.parse(t).toEpochMilli());
        }
        for (String t : new String[] {"2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z", "2025-11-24T24:00:00Z",
                "2025-11-24T16:00:00.Z", "2025-11-24T16:00:00+01:00", "2025-11-24 16:00:00Z", "2025-11-24T16:00:0xZ"}) {
            assertThat(VectorCodec.utcMillis(t)).as(t).isEqualTo(Long.MIN_VALUE);
        }
        VectorCodec.Encoded e = pairs.encode(pair(false), ContentMode.BINARY, "s");
        // an offset other than Z takes the general parser
        assertThat(pairs.decode(e.value(), headers(e, "ce_time", "2025-11-24T17:00:00.5+01:00")).embeddedAt())
                .isEqualTo(java.time.Instant.parse("2025-11-24T16:00:00.5Z").toEpochMilli());
        assertThat(refusal(e.value(), headers(e, "ce_time", "2025-02-29T00:00:00Z"))).isEqualTo(RejectReason.INVALID_VALUE);
    }

    @Test
    void contentModeParsesConfigValues() {
        assertThat(ContentMode.parse("Binary")).isEqualTo(ContentMode.BINARY);
        assertThat(ContentMode.parse("json")).isEqualTo(ContentMode.JSON);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContentMode.parse("avro"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("json or binary");
    }
}
