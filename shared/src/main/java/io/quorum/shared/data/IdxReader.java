package io.quorum.shared.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed: big-endian magic
 * {@code 0x0000TTNN} (TT = element type, NN = rank), then NN dimension sizes, then the data. Two element types are
 * read: unsigned bytes (type {@value #UNSIGNED_BYTE}), which every MNIST-like set uses, and big-endian float32 (type
 * {@value #FLOAT32}), in which Quorum stores adversarial images exactly (a perturbation is not a multiple of 1/255).
 */
public final class IdxReader {

    /** IDX element type of unsigned bytes. */
    public static final int UNSIGNED_BYTE = 0x08;
    /** IDX element type of big-endian IEEE 754 float32. */
    public static final int FLOAT32 = 0x0D;

    /**
     * An IDX array: its element {@code type} ({@link #UNSIGNED_BYTE} or {@link #FLOAT32}), dimensions and flat
     * row-major data as stored (4 big-endian bytes per float32 element).
     */
    public record IdxArray(int type, int[] dims, byte[] data) {

        public int count() {
            return dims[0];
        }

        /** Elements per item (product of the dimensions after the first). */
        public int itemSize() {
            int n = 1;
            for (int i = 1; i < dims.length; i++) {
                n *= dims[i];
            }
            return n;
        }

        /** Value {@code j} of item {@code i} of an unsigned-byte array, as an int in [0, 255] (labels, pixels). */
        public int get(int i, int j) {
            if (type != UNSIGNED_BYTE) {
                throw new IllegalStateException("an IDX float32 array has no byte values");
            }
            return data[i * itemSize() + j] & 0xFF;
        }

        /**
         * Item {@code i} as intensities: unsigned bytes scaled by 1/255 to [0, 1]; float32 values as stored (the
         * caller checks their range).
         */
        public float[] itemScaled(int i) {
            int size = itemSize();
            float[] out = new float[size];
            if (type == FLOAT32) {
                java.nio.ByteBuffer.wrap(data, i * size * 4, size * 4).order(java.nio.ByteOrder.BIG_ENDIAN)
                        .asFloatBuffer().get(out);
                return out;
            }
            for (int j = 0; j < size; j++) {
                out[j] = (data[i * size + j] & 0xFF) / 255f;
            }
            return out;
        }

        @Override
        public String toString() {
            return "IdxArray" + Arrays.toString(dims);
        }
    }

    private IdxReader() {
    }

    public static IdxArray read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(in, file.toString());
        }
    }

    static IdxArray read(InputStream stream, String what) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IOException(what + ": empty IDX file");
        }
        if ((magic >>> 16) != 0) {
            throw new IOException(what + ": not an IDX file (magic " + Integer.toHexString(magic) + ")");
        }
        int type = (magic >>> 8) & 0xFF;
        int rank = magic & 0xFF;
        if (type != UNSIGNED_BYTE && type != FLOAT32) {
            throw new IOException(what + ": IDX element type 0x" + Integer.toHexString(type)
                    + " is not supported (only unsigned byte 0x08 and float32 0x0d)");
        }
        if (rank < 1 || rank > 4) {
            throw new IOException(what + ": unsupported IDX rank " + rank);
        }
        int[] dims = new int[rank];
        long total = 1;
        for (int i = 0; i < rank; i++) {
            dims[i] = in.readInt();
            if (dims[i] < 0) {
                throw new IOException(what + ": negative dimension");
            }
            total *= dims[i];
        }
        int width = type == FLOAT32 ? 4 : 1;
        total *= width;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IOException(what + ": too large (" + total + " elements)");
        }
        byte[] data = new byte[(int) total];
        try {
            in.readFully(data);
        } catch (EOFException e) {
            throw new IOException(what + ": truncated: header promises " + total / width + " values");
        }
        return new IdxArray(type, dims, data);
    }
}
