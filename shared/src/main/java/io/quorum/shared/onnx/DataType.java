package io.quorum.shared.onnx;

/** ONNX tensor element types ({@code TensorProto.DataType}) used by Quorum models. */
public enum DataType {
    FLOAT(1), UINT8(2), INT8(3), INT32(6), INT64(7), BOOL(9), DOUBLE(11);

    final int code;

    DataType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
