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

    /** {@code b / 255f} for every unsigned byte: the same floats as the division, without one per pixel. */
    private static final float[] SCALED = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            SCALED[b] = b / 255f;
        }
    }

    /**
     * An IDX array: its element {@code type} ({@link #UNSIGNED_BYTE} or {@link #FLOAT32}), dimensions and flat
     * row-major data as stored (4 big-endian bytes per float32 element); {@code declaredCount} is the number of items the
     * file's header declares (more than {@code dims[0]} when only a head was read).
     */
    public record IdxArray(int type, int[] dims, byte[] data, int declaredCount) {

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
            int base = i * size;
            for (int j = 0; j < size; j++) {
                out[j] = SCALED[data[base + j] & 0xFF];
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
        return read(file, -1);
    }

    /**
     * The first {@code maxItems} items of {@code file} (all of them when negative or when the file has fewer): the
     * rest is neither inflated nor read, so a request for the head of a large set costs what the head costs. The
     * returned array's first dimension is the number of items read; {@link #count} gives the file's own.
     */
    public static IdxArray read(Path file, int maxItems) throws IOException {
        try (InputStream in = open(file)) {
            return read(in, file.toString(), maxItems);
        }
    }

    /** The number of items {@code file}'s header declares (its first dimension), read from the header alone. */
    public static int count(Path file) throws IOException {
        try (InputStream in = open(file)) {
            return header(new DataInputStream(in), file.toString()).dims()[0];
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            return (b0 == 0x1f && b1 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    static IdxArray read(InputStream stream, String what) throws IOException {
        return read(stream, what, -1);
    }

    static IdxArray read(InputStream stream, String what, int maxItems) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        Header h = header(in, what);
        int[] dims = h.dims().clone();
        if (maxItems >= 0 && maxItems < dims[0]) {
            dims[0] = maxItems;
        }
        long total = 1;
        for (int d : dims) {
            total *= d;
        }
        int width = h.type() == FLOAT32 ? 4 : 1;
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
        return new IdxArray(h.type(), dims, data, h.dims()[0]);
    }

    private record Header(int type, int[] dims) {
    }

    private static Header header(DataInputStream in, String what) throws IOException {
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
        for (int i = 0; i < rank; i++) {
            try {
                dims[i] = in.readInt();
            } catch (EOFException e) {
                throw new IOException(what + ": truncated header");
            }
            if (dims[i] < 0) {
                throw new IOException(what + ": negative dimension");
            }
        }
        return new Header(type, dims);
    }
}
