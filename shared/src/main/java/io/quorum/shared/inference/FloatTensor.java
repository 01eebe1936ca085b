package io.quorum.shared.inference;

import java.util.Arrays;

/** A float32 tensor: flat row-major data and its shape. */
public record FloatTensor(float[] data, long[] shape) implements Tensor {

    public FloatTensor {
        if (Tensor.elements(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Tensor.elements(shape)
                    + " values but data has " + data.length);
        }
    }

    public static FloatTensor of(float[] data, long... shape) {
        return new FloatTensor(data, shape);
    }

    /** A [rows, cols] matrix from row arrays of equal length. */
    public static FloatTensor matrix(float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new IllegalArgumentException("row " + i + " has " + rows[i].length + " values, expected " + cols);
            }
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return new FloatTensor(flat, new long[] {rows.length, cols});
    }

    public float get(int... index) {
        int flat = 0;
        for (int i = 0; i < index.length; i++) {
            flat = (int) (flat * shape[i] + index[i]);
        }
        return data[flat];
    }

    /** The rows of a rank-2 tensor, each a copy. */
    public float[][] rows() {
        int n = (int) shape[0];
        float[][] out = new float[n][];
        for (int r = 0; r < n; r++) {
            out[r] = row(r);
        }
        return out;
    }

    /** Row {@code r} of a rank-2 tensor. */
    public float[] row(int r) {
        int cols = (int) shape[1];
        return Arrays.copyOfRange(data, r * cols, (r + 1) * cols);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && Arrays.equals(data, t.data) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
