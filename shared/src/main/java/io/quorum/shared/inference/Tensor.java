package io.quorum.shared.inference;

import java.util.Arrays;

/** A dense, row-major tensor passed to or returned from an ONNX session. */
public sealed interface Tensor permits FloatTensor, LongTensor {

    long[] shape();

    /** Number of elements implied by the shape. */
    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
