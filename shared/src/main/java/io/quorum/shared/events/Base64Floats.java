package io.quorum.shared.events;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Standard base64 (RFC 4648, padded) of little-endian float32 arrays, encoded to and decoded from char buffers
 * directly: no intermediate String or byte array, so JSON events carry vectors at close to memory speed.
 */
final class Base64Floats {

    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".toCharArray();
    private static final int[] INDEX = new int[128];

    static {
        Arrays.fill(INDEX, -1);
        for (int i = 0; i < ALPHABET.length; i++) {
            INDEX[ALPHABET[i]] = i;
        }
    }

    private Base64Floats() {
    }

    /** Base64 characters needed for {@code floats} values. */
    static int encodedLength(int floats) {
        return (floats * 4 + 2) / 3 * 4;
    }

    /** Encodes {@code values} into a new char array. */
    static char[] encode(float[] values) {
        int nBytes = values.length * 4;
        char[] out = new char[encodedLength(values.length)];
        int o = 0;
        int i = 0;
        for (; i + 3 <= nBytes; i += 3) {
            int b = (byteAt(values, i) << 16) | (byteAt(values, i + 1) << 8) | byteAt(values, i + 2);
            out[o++] = ALPHABET[(b >>> 18) & 63];
            out[o++] = ALPHABET[(b >>> 12) & 63];
            out[o++] = ALPHABET[(b >>> 6) & 63];
            out[o++] = ALPHABET[b & 63];
        }
        int rest = nBytes - i;
        if (rest > 0) {
            int b = byteAt(values, i) << 16;
            if (rest == 2) {
                b |= byteAt(values, i + 1) << 8;
            }
            out[o++] = ALPHABET[(b >>> 18) & 63];
            out[o++] = ALPHABET[(b >>> 12) & 63];
            out[o++] = rest == 2 ? ALPHABET[(b >>> 6) & 63] : '=';
            out[o++] = '=';
        }
        return out;
    }

    private static int byteAt(float[] values, int byteIndex) {
        int bits = Float.floatToRawIntBits(values[byteIndex >> 2]);
        return (bits >>> ((byteIndex & 3) * 8)) & 0xFF;
    }

    /**
     * Decodes {@code len} base64 chars at {@code off} into floats.
     *
     * @throws IllegalArgumentException for characters outside the alphabet, bad padding, or a byte count that is not
     *                                  a multiple of 4
     */
    static float[] decode(char[] buf, int off, int len) {
        if (len % 4 != 0) {
            throw new IllegalArgumentException("base64 length " + len + " is not a multiple of 4");
        }
        int pad = 0;
        if (len > 0 && buf[off + len - 1] == '=') {
            pad = buf[off + len - 2] == '=' ? 2 : 1;
        }
        int nBytes = len / 4 * 3 - pad;
        if (nBytes % 4 != 0) {
            throw new IllegalArgumentException("vector data has " + nBytes + " bytes, not a multiple of 4");
        }
        byte[] bytes = new byte[nBytes];
        int o = 0;
        int fullEnd = off + len - (pad > 0 ? 4 : 0);
        for (int i = off; i < fullEnd; i += 4) {
            char c0 = buf[i];
            char c1 = buf[i + 1];
            char c2 = buf[i + 2];
            char c3 = buf[i + 3];
            if ((c0 | c1 | c2 | c3) > 127) {
                throw invalid(buf, i);
            }
            int b = (INDEX[c0] << 18) | (INDEX[c1] << 12) | (INDEX[c2] << 6) | INDEX[c3];
            if (b < 0) {
                throw invalid(buf, i);
            }
            bytes[o] = (byte) (b >> 16);
            bytes[o + 1] = (byte) (b >> 8);
            bytes[o + 2] = (byte) b;
            o += 3;
        }
        if (pad > 0) {
            int i = fullEnd;
            int b = (value(buf[i]) << 18) | (value(buf[i + 1]) << 12) | (pad == 1 ? value(buf[i + 2]) << 6 : 0);
            bytes[o++] = (byte) (b >> 16);
            if (pad == 1) {
                bytes[o] = (byte) (b >> 8);
            }
        }
        float[] out = new float[nBytes / 4];
        for (int k = 0; k < out.length; k++) {
            out[k] = (float) FLOAT_LE.get(bytes, k * 4);
        }
        return out;
    }

    private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private static IllegalArgumentException invalid(char[] buf, int i) {
        for (int k = i; k < i + 4; k++) {
            value(buf[k]);
        }
        return new IllegalArgumentException("vector data is not valid base64");
    }

    private static int value(char c) {
        int v = c < 128 ? INDEX[c] : -1;
        if (v < 0) {
            throw new IllegalArgumentException("vector data is not valid base64 (character '" + c + "')");
        }
        return v;
    }
}
