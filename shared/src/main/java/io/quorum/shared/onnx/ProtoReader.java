package io.quorum.shared.onnx;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the protobuf wire format field by field, just what embedding an ONNX model into a graph needs: each field's
 * number, wire type, value (varint) or payload (length-delimited), and its raw bytes, so fields that are not rewritten
 * are copied exactly.
 */
final class ProtoReader {

    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** One field: {@code bytes[start, end)} is the whole field (tag included), {@code [payloadStart, end)} its payload. */
    record Field(int number, int wireType, long varint, byte[] bytes, int start, int payloadStart, int end) {

        /** The length-delimited payload. */
        byte[] payload() {
            return java.util.Arrays.copyOfRange(bytes, payloadStart, end);
        }

        String string() {
            return new String(bytes, payloadStart, end - payloadStart, StandardCharsets.UTF_8);
        }

        /** The field exactly as it was encoded. */
        byte[] raw() {
            return java.util.Arrays.copyOfRange(bytes, start, end);
        }
    }

    private ProtoReader() {
    }

    /** Every field of the message {@code bytes}, in order. */
    static List<Field> fields(byte[] bytes) {
        List<Field> out = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < bytes.length) {
            int start = pos[0];
            long tag = varint(bytes, pos);
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (number < 1) {
                throw new IllegalArgumentException("not a protobuf message: field number " + number + " at " + start);
            }
            switch (wire) {
                case VARINT -> {
                    int payload = pos[0];
                    long v = varint(bytes, pos);
                    out.add(new Field(number, wire, v, bytes, start, payload, pos[0]));
                }
                case FIXED64, FIXED32 -> {
                    int payload = pos[0];
                    pos[0] += wire == FIXED64 ? 8 : 4;
                    check(bytes, pos[0]);
                    out.add(new Field(number, wire, 0, bytes, start, payload, pos[0]));
                }
                case LENGTH_DELIMITED -> {
                    long len = varint(bytes, pos);
                    int payload = pos[0];
                    if (len < 0 || payload + len > bytes.length) {
                        throw new IllegalArgumentException("truncated protobuf field " + number + " at " + start);
                    }
                    pos[0] = (int) (payload + len);
                    out.add(new Field(number, wire, len, bytes, start, payload, pos[0]));
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wire + " (field " + number
                        + " at " + start + ")");
            }
        }
        return out;
    }

    private static long varint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            check(b, pos[0] + 1);
            int x = b[pos[0]++] & 0xFF;
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("malformed varint");
    }

    private static void check(byte[] b, int end) {
        if (end > b.length) {
            throw new IllegalArgumentException("truncated protobuf message");
        }
    }
}
