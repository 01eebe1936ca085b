package io.quorum.shared.events;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.io.IOException;
import java.util.Arrays;

/**
 * An immutable float32 vector that travels compactly: on the wire it is
 * {@code {"dim":384,"f32":"<base64 of little-endian float32>"}}, about 5.3 bytes per value instead
 * of ~10 for a JSON number array, and exact (no decimal round trip).
 */
@JsonSerialize(using = FloatVector.Serializer.class)
@JsonDeserialize(using = FloatVector.Deserializer.class)
public final class FloatVector {

    private final float[] values;

    private FloatVector(float[] values) {
        this.values = values;
    }

    /** Wraps a copy of {@code values}. */
    public static FloatVector of(float... values) {
        return new FloatVector(values.clone());
    }

    /** Wraps {@code values} without copying; the caller must not modify the array afterwards. */
    public static FloatVector wrap(float[] values) {
        return new FloatVector(values);
    }

    public int dim() {
        return values.length;
    }

    public float get(int i) {
        return values[i];
    }

    /** The values themselves, not a copy: for codecs of this package, which only read them. */
    float[] values() {
        return values;
    }

    /** A copy of the values. */
    public float[] toArray() {
        return values.clone();
    }

    /** Copies the values into {@code dest} at {@code offset}. */
    public void copyTo(float[] dest, int offset) {
        System.arraycopy(values, 0, dest, offset, values.length);
    }

    /** Index of the first NaN or infinite value, or -1 when all values are finite. */
    public int firstNonFinite() {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    public String toBase64() {
        return new String(Base64Floats.encode(values));
    }

    public static FloatVector fromBase64(String base64, int expectedDim) {
        char[] chars = base64.toCharArray();
        float[] v = Base64Floats.decode(chars, 0, chars.length);
        if (expectedDim >= 0 && v.length != expectedDim) {
            throw new IllegalArgumentException("vector declares dim " + expectedDim + " but carries " + v.length + " values");
        }
        return new FloatVector(v);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatVector other && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        if (values.length <= 8) {
            return "FloatVector" + Arrays.toString(values);
        }
        return "FloatVector[dim=" + values.length + ", " + values[0] + ", " + values[1] + ", ...]";
    }

    static final class Serializer extends JsonSerializer<FloatVector> {
        @Override
        public void serialize(FloatVector v, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            gen.writeNumberField("dim", v.values.length);
            gen.writeFieldName("f32");
            char[] chars = Base64Floats.encode(v.values);
            gen.writeString(chars, 0, chars.length);
            gen.writeEndObject();
        }
    }

    static final class Deserializer extends JsonDeserializer<FloatVector> {
        @Override
        public FloatVector deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                return (FloatVector) ctxt.handleUnexpectedToken(FloatVector.class, p);
            }
            int dim = -1;
            float[] data = null;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("dim".equals(field)) {
                    if (value != JsonToken.VALUE_NUMBER_INT) {
                        throw ctxt.weirdStringException(p.getText(), FloatVector.class, "vector 'dim' must be an integer");
                    }
                    dim = p.getIntValue();
                } else if ("f32".equals(field)) {
                    if (value != JsonToken.VALUE_STRING) {
                        throw ctxt.weirdStringException(p.getText(), FloatVector.class, "vector 'f32' must be a base64 string");
                    }
                    try {
                        // decoded from the parser's character buffer: no intermediate String or byte copy
                        data = Base64Floats.decode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    } catch (IllegalArgumentException e) {
                        throw ctxt.weirdStringException("", FloatVector.class, e.getMessage());
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (data == null) {
                throw ctxt.weirdStringException("", FloatVector.class, "vector has no 'f32' data");
            }
            if (dim >= 0 && data.length != dim) {
                throw ctxt.weirdStringException("", FloatVector.class,
                        "vector declares dim " + dim + " but carries " + data.length + " values");
            }
            return new FloatVector(data);
        }
    }
}
