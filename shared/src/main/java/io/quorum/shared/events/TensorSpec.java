package io.quorum.shared.events;

import java.util.List;

/**
 * One named input or output of a model: element type and shape, {@code -1} for a dynamic dimension
 * (the batch dimension is always dynamic).
 *
 * @param name  the ONNX graph input/output name
 * @param type  element type: {@code float32}, {@code int64}, {@code int32}, {@code float64}, {@code uint8}, {@code bool}
 * @param shape dimensions; -1 where dynamic
 */
public record TensorSpec(String name, String type, List<Long> shape) {

    public TensorSpec {
        Checks.requiredText(name, "name");
        Checks.requiredText(type, "type");
        shape = List.copyOf(Checks.required(shape, "shape"));
    }

    public static TensorSpec float32(String name, long... dims) {
        return of(name, "float32", dims);
    }

    public static TensorSpec of(String name, String type, long... dims) {
        Long[] boxed = new Long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            boxed[i] = dims[i] < 0 ? -1L : dims[i];
        }
        return new TensorSpec(name, type, List.of(boxed));
    }

    public int rank() {
        return shape.size();
    }

    /** The size of dimension {@code i}, or -1 when dynamic. */
    public long dim(int i) {
        return shape.get(i);
    }

    /** True when {@code other} has the same name, type and rank, and every static dimension agrees. */
    public boolean compatibleWith(TensorSpec other) {
        if (!name.equals(other.name) || !type.equals(other.type) || rank() != other.rank()) {
            return false;
        }
        for (int i = 0; i < rank(); i++) {
            long a = dim(i);
            long b = other.dim(i);
            if (a >= 0 && b >= 0 && a != b) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name).append(':').append(type).append('[');
        for (int i = 0; i < shape.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(shape.get(i) < 0 ? "?" : shape.get(i).toString());
        }
        return sb.append(']').toString();
    }
}
