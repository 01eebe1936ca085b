package io.quorum.shared.inference;

import java.util.Arrays;

/** An int64 tensor (token ids, masks): flat row-major data and its shape. */
public record LongTensor(long[] data, long[] shape) implements Tensor {

    public LongTensor {
        if (Tensor.elements(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + Tensor.elements(shape)
                    + " values but data has " + data.length);
        }
    }

    public static LongTensor of(long[] data, long... shape) {
        return new LongTensor(data, shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LongTensor t && Arrays.equals(data, t.data) && Arrays.equals(shape, t.shape);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "LongTensor" + Arrays.toString(shape);
    }
}
