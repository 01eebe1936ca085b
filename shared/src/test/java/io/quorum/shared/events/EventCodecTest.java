package io.quorum.shared.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventCodecTest {

    private final EventCodec<PairEmbedded> codec = EventCodec.of(PairEmbedded.class, PairEmbedded.SCHEMA_VERSION);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RejectReason reasonOf(byte[] value) {
        try {
            codec.decode(value);
            throw new AssertionError("decoded");
        } catch (InvalidEventException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.reason();
        }
    }

    @Test
    void roundTripsAPairWithCompactVectors() throws Exception {
        PairEmbedded p = new PairEmbedded(1, "p1", "a", "b", FloatVector.of(1f, -2.5f, Float.MIN_VALUE),
                FloatVector.of(0f, 3f, 1e-30f), "minilm", 2, 123L);
        byte[] json = codec.encode(p);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"f32\":\"").doesNotContain("[1.0");
        assertThat(codec.decode(json)).isEqualTo(p);
    }

    @Test
    void roundTripsAnImageScoredWithItsFace() throws Exception {
        EventCodec<ImageScored> c = EventCodec.of(ImageScored.class, ImageScored.SCHEMA_VERSION);
        ImageScored s = new ImageScored(1, "img-1", "camera-7", 6.25, 1, 10, 640, 480, 2, ImageScored.POLICY_LARGEST,
                new ImageScored.FaceBox(10, 20, 100, 120, 0.97,
                        List.of(new ImageScored.Point(40, 60), new ImageScored.Point(80, 61))),
                "image-scorer", 3, 123L);
        ImageScored back = c.decode(c.encode(s));
        assertThat(back).isEqualTo(s);
        assertThat(back.face().landmarks()).hasSize(2);
        assertThatThrownBy(() -> c.decode(utf8("{\"schemaVersion\":1,\"score\":5}")))
                .isInstanceOf(InvalidEventException.class);
    }

    @Test
    void decodesVectorsFromEscapedJsonToo() throws Exception {
        PairEmbedded p = PairEmbedded.of("p", FloatVector.of(1f, 2f), FloatVector.of(3f, 4f));
        String json = new String(codec.encode(p), StandardCharsets.UTF_8);
        String b64 = FloatVector.of(1f, 2f).toBase64();
        // JSON allows any character to be escaped
        String escaped = json.replace("\"f32\":\"" + b64 + "\"", "\"f32\":\"\\u0041" + b64.substring(1) + "\"");
        assertThat(escaped).contains("\\u0041");
        assertThat(codec.decode(escaped.getBytes(StandardCharsets.UTF_8)).left()).isEqualTo(FloatVector.of(1f, 2f));
        assertThat(Json.fromString(json, PairEmbedded.class)).isEqualTo(p);
    }

    @Test
    void vectorsAreSmallerThanJsonArrays() {
        float[] v = new float[384];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) Math.sin(i) / 7f;
        }
        int compact = Json.toBytes(FloatVector.of(v)).length;
        int array = Json.toBytes(v).length;
        assertThat(compact).isLessThan(array * 2 / 3);
    }

    @Test
    void classifiesEveryFailure() {
        assertThat(reasonOf(utf8("{\"schemaVersion\":1,"))).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(reasonOf(utf8("not json"))).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(reasonOf(new byte[0])).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(reasonOf(utf8("null"))).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(reasonOf(utf8("{\"schemaVersion\":1,\"pairId\":\"p\",\"left\":{\"dim\":1,\"f32\":\"AACAPw==\"}}")))
                .isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(reasonOf(utf8("{\"schemaVersion\":1,\"left\":{\"dim\":1,\"f32\":\"AACAPw==\"},\"right\":{\"dim\":1,\"f32\":\"AACAPw==\"}}")))
                .isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(reasonOf(utf8("{\"schemaVersion\":7,\"pairId\":\"p\",\"left\":{\"dim\":1,\"f32\":\"AACAPw==\"},\"right\":{\"dim\":1,\"f32\":\"AACAPw==\"}}")))
                .isEqualTo(RejectReason.UNSUPPORTED_SCHEMA);
        assertThat(reasonOf(utf8("{\"schemaVersion\":1,\"pairId\":\"p\",\"left\":{\"dim\":2,\"f32\":\"AACAPw==\"},\"right\":{\"dim\":1,\"f32\":\"AACAPw==\"}}")))
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reasonOf(utf8("{\"schemaVersion\":1,\"pairId\":\"p\",\"left\":{\"dim\":1,\"f32\":\"@@\"},\"right\":{\"dim\":1,\"f32\":\"AACAPw==\"}}")))
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reasonOf(utf8("{\"schemaVersion\":\"x\",\"pairId\":\"p\"}"))).isEqualTo(RejectReason.INVALID_VALUE);
        byte[] bad = utf8("{\"schemaVersion\":1,\"pairId\":\"XX\"}");
        bad[28] = (byte) 0xFF;
        bad[29] = (byte) 0xFE;
        assertThat(reasonOf(bad)).isEqualTo(RejectReason.INVALID_UTF8);
    }

    @Test
    void utf8IsCheckedAsUnicodeDefinesIt() {
        assertThat(EventCodec.isUtf8(utf8("plain ascii"))).isTrue();
        assertThat(EventCodec.isUtf8(utf8("é ü € 中文 😀 \u0000"))).isTrue();
        assertThat(EventCodec.isUtf8(bytes(0xC0, 0x80))).as("overlong NUL").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xE0, 0x80, 0xAF))).as("overlong '/'").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xF0, 0x80, 0x80, 0xAF))).as("overlong, 4 bytes").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xED, 0xA0, 0x80))).as("surrogate").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xF4, 0x90, 0x80, 0x80))).as("above U+10FFFF").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xE2, 0x82))).as("truncated").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0x80))).as("stray continuation").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xE2, 0x28, 0xA1))).as("bad continuation").isFalse();
        assertThat(EventCodec.isUtf8(bytes(0xF4, 0x8F, 0xBF, 0xBF))).as("U+10FFFF").isTrue();
        // an overlong form inside a JSON string is a dead letter, not a decoded event
        byte[] json = utf8("{\"schemaVersion\":1,\"pairId\":\"XX\"}");
        json[28] = (byte) 0xC0;
        json[29] = (byte) 0x80;
        assertThat(reasonOf(json)).isEqualTo(RejectReason.INVALID_UTF8);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    @Test
    void decodesModelEventsPolymorphically() throws Exception {
        EventCodec<ModelEvent> models = EventCodec.of(ModelEvent.class, 1);
        ModelPublished p = new ModelPublished(1, "m", 3, "champion", "file:/x/model.onnx", "ab", 10, List.of(),
                new ModelSignature(List.of(TensorSpec.float32("x", -1, 4)), List.of(TensorSpec.float32("y", -1, 1))),
                Map.of("accuracy", 0.9), new Lineage(2, "job", "data", "h", "c", 5L), Map.of("k", "v"), 1L);
        AliasMoved m = new AliasMoved(1, "m", "champion", 2, 3, "rollback", 2L);
        assertThat(models.decode(Json.toBytes(p))).isEqualTo(p);
        assertThat(models.decode(Json.toBytes(m))).isEqualTo(m);
        assertThat(p.key()).isEqualTo("m/v3");
        assertThat(m.key()).isEqualTo("m@champion");
    }

    @Test
    void recordsRejectInvalidConstruction() {
        assertThatThrownBy(() -> PairEmbedded.of(" ", FloatVector.of(1f), FloatVector.of(1f)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AliasMoved(1, "m", "champion", 0, null, null, 0))
                .hasMessageContaining("version");
    }

    @Test
    void signaturesCompareByNameTypeAndStaticDims() {
        ModelSignature a = new ModelSignature(List.of(TensorSpec.float32("x", -1, 4)), List.of(TensorSpec.float32("y", -1, 1)));
        ModelSignature same = new ModelSignature(List.of(TensorSpec.float32("x", 8, 4)), List.of(TensorSpec.float32("y", -1, 1)));
        ModelSignature other = new ModelSignature(List.of(TensorSpec.float32("x", -1, 5)), List.of(TensorSpec.float32("y", -1, 1)));
        assertThat(a.mismatches(same)).isEmpty();
        assertThat(a.mismatches(other)).hasSize(1).first().asString().contains("input 0");
    }
}
