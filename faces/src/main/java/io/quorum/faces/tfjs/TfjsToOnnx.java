package io.quorum.faces.tfjs;

import io.quorum.faces.tfjs.TfjsModel.Node;
import io.quorum.faces.tfjs.TfjsModel.Weight;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a TF.js graph model to ONNX through {@link OnnxGraph}. TF works in NHWC, ONNX convolutions in NCHW: the
 * graph input stays NHWC (as the TF.js model declares it), activations are transposed to NCHW once before the first
 * convolution and stay there; an op that depends on the memory order (Reshape, Softmax, Mean over other axes, a
 * graph output) sees NHWC again through a Transpose. Constants are folded into initializers already laid out for ONNX
 * (HWIO filters to OIHW, depthwise {@code [H, W, C, M]} to {@code [C*M, 1, H, W]} with {@code group = C}, per-channel
 * vectors to {@code [C, 1, 1]}). Shapes are inferred statically (TF order) so outputs are declared exactly.
 *
 * <p>Supported ops: {@link #SUPPORTED}. Any other op fails the conversion with the op and node named.
 */
public final class TfjsToOnnx {

    /** The TF ops this converter handles. */
    public static final Set<String> SUPPORTED = Set.of("Placeholder", "Const", "Identity", "Conv2D", "_FusedConv2D",
            "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative", "Add", "AddV2", "Sub", "Mul", "Minimum", "Maximum",
            "BiasAdd", "Relu", "Relu6", "Sigmoid", "Tanh", "Elu", "Softmax", "Mean", "MatMul", "_FusedMatMul",
            "MaxPool", "AvgPool", "Pad", "Reshape");

    /** A converted value: its ONNX name (null for a constant not yet materialised), TF-order shape, layout. */
    private record Value(String onnx, long[] shape, boolean nchw, Weight constant) {
        int rank() {
            return shape.length;
        }
    }

    private static final long[] TO_NCHW = {0, 3, 1, 2};
    private static final long[] TO_NHWC = {0, 2, 3, 1};

    private final TfjsModel model;
    private final OnnxGraph g;
    private final Map<String, Value> values = new HashMap<>();
    private int constCounter;

    private TfjsToOnnx(TfjsModel model, String graphName) {
        this.model = model;
        this.g = OnnxGraph.create(graphName);
    }

    /**
     * Converts {@code model}. {@code inputs} maps each TF placeholder to its ONNX input name; {@code outputs} maps TF
     * node names to ONNX output names (in order). A placeholder's {@code -1} leading dimension becomes the batch.
     *
     * @throws UnsupportedOperationException naming the op and node for an op outside {@link #SUPPORTED} or an
     *                                       attribute combination not handled
     */
    public static OnnxGraph convert(TfjsModel model, String graphName, Map<String, String> inputs, Map<String, String> outputs) {
        TfjsToOnnx c = new TfjsToOnnx(model, graphName);
        c.run(inputs, outputs);
        return c.g;
    }

    private void run(Map<String, String> inputs, Map<String, String> outputs) {
        for (Node n : model.nodes()) {
            if (!SUPPORTED.contains(n.op())) {
                throw new UnsupportedOperationException(model.name() + ": TF op '" + n.op() + "' (node " + n.name()
                        + ") is not supported by the TF.js -> ONNX converter; supported: " + new java.util.TreeSet<>(SUPPORTED));
            }
        }
        for (Node n : model.nodes()) {
            try {
                values.put(n.name(), convertNode(n, inputs));
            } catch (RuntimeException e) {
                if (e instanceof UnsupportedOperationException) {
                    throw e;
                }
                throw new IllegalArgumentException(model.name() + ": converting node " + n.name() + " (" + n.op() + "): " + e.getMessage(), e);
            }
        }
        for (var e : outputs.entrySet()) {
            Value v = value(e.getKey());
            String name = nhwc(v);
            long[] dims = v.shape().clone();
            g.output(name, e.getValue(), dims);
        }
    }

    private Value convertNode(Node n, Map<String, String> inputs) {
        switch (n.op()) {
            case "Placeholder" -> {
                String name = inputs.get(n.name());
                if (name == null) {
                    throw new IllegalArgumentException("placeholder " + n.name() + " is not mapped to an ONNX input");
                }
                long[] shape = n.shape();
                g.inputExact(name, io.quorum.shared.onnx.DataType.FLOAT, shape);
                return new Value(name, shape, false, null);
            }
            case "Const" -> {
                Weight w = model.weight(n.name());
                return new Value(null, w.shape().clone(), false, w);
            }
            case "Identity" -> {
                return value(n.inputs().get(0));
            }
            case "Conv2D", "_FusedConv2D", "DepthwiseConv2dNative", "FusedDepthwiseConv2dNative" -> {
                return conv(n);
            }
            case "Add", "AddV2", "BiasAdd" -> {
                return binary(n, "Add");
            }
            case "Sub" -> {
                return binary(n, "Sub");
            }
            case "Mul" -> {
                return binary(n, "Mul");
            }
            case "Minimum" -> {
                return binary(n, "Min");
            }
            case "Maximum" -> {
                return binary(n, "Max");
            }
            case "Relu", "Relu6", "Sigmoid", "Tanh", "Elu" -> {
                Value x = tensor(n.inputs().get(0));
                return new Value(activation(n.op(), x.onnx()), x.shape(), x.nchw(), null);
            }
            case "Softmax" -> {
                Value x = tensor(n.inputs().get(0));
                return new Value(g.softmax(nhwc(x), -1), x.shape(), false, null);
            }
            case "Mean" -> {
                return mean(n);
            }
            case "MatMul", "_FusedMatMul" -> {
                return matMul(n);
            }
            case "MaxPool", "AvgPool" -> {
                return pool(n);
            }
            case "Pad" -> {
                return pad(n);
            }
            case "Reshape" -> {
                Value x = tensor(n.inputs().get(0));
                int[] target = constant(n.inputs().get(1)).ints();
                long[] shape = reshapeTarget(x.shape(), target);
                long[] onnxShape = new long[target.length];
                for (int i = 0; i < target.length; i++) {
                    onnxShape[i] = target[i];
                }
                return new Value(g.reshape(nhwc(x), onnxShape), shape, false, null);
            }
            default -> throw new UnsupportedOperationException(model.name() + ": TF op '" + n.op() + "' (node " + n.name() + ")");
        }
    }

    // ---------------------------------------------------------------- ops

    private Value conv(Node n) {
        requireNhwc(n);
        Value x = tensor(n.inputs().get(0));
        if (x.rank() != 4) {
            throw new IllegalArgumentException("convolution input must be rank 4, is " + Arrays.toString(x.shape()));
        }
        Weight filter = constant(n.inputs().get(1));
        long[] fs = filter.shape();
        boolean depthwise = n.op().contains("Depthwise");
        long kh = fs[0];
        long kw = fs[1];
        long cin = fs[2];
        long[] strides = hw(n.ints("strides"), 1);
        long[] dil = hw(n.ints("dilations"), 1);
        String padding = n.string("padding", "VALID");
        String w;
        long cout;
        int group;
        if (depthwise) {
            long mult = fs[3];
            cout = cin * mult;
            group = (int) cin;
            w = g.weights(fresh("dw"), depthwiseToOnnx(filter.floats(), (int) kh, (int) kw, (int) cin, (int) mult), cout, 1, kh, kw);
        } else {
            cout = fs[3];
            group = 1;
            if (x.shape()[3] > 0 && x.shape()[3] != cin) {
                throw new IllegalArgumentException("filter expects " + cin + " input channels, input has " + x.shape()[3]);
            }
            w = g.weights(fresh("conv"), hwioToOihw(filter.floats(), (int) kh, (int) kw, (int) cin, (int) cout), cout, cin, kh, kw);
        }
        List<String> fused = n.op().startsWith("_Fused") || n.op().startsWith("Fused") ? n.strings("fused_ops") : List.of();
        String bias = null;
        int nextArg = 2;
        List<String> post = new ArrayList<>();
        for (String f : fused) {
            if (f.equals("BiasAdd")) {
                Weight b = constant(n.inputs().get(nextArg++));
                bias = g.weights(fresh("bias"), b.floats(), cout);
            } else {
                post.add(f);
            }
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", new long[] {kh, kw});
        attrs.put("strides", strides);
        attrs.put("dilations", dil);
        attrs.put("group", (long) group);
        long[] inShape = x.shape();
        long oh;
        long ow;
        switch (padding) {
            case "SAME" -> {
                attrs.put("auto_pad", "SAME_UPPER");
                oh = ceilDiv(inShape[1], strides[0]);
                ow = ceilDiv(inShape[2], strides[1]);
            }
            case "VALID" -> {
                attrs.put("pads", new long[] {0, 0, 0, 0});
                oh = (inShape[1] - (kh - 1) * dil[0] - 1) / strides[0] + 1;
                ow = (inShape[2] - (kw - 1) * dil[1] - 1) / strides[1] + 1;
            }
            case "EXPLICIT" -> {
                long[] p = n.ints("explicit_paddings");
                attrs.put("pads", new long[] {p[2], p[4], p[3], p[5]});
                oh = (inShape[1] + p[2] + p[3] - (kh - 1) * dil[0] - 1) / strides[0] + 1;
                ow = (inShape[2] + p[4] + p[5] - (kw - 1) * dil[1] - 1) / strides[1] + 1;
            }
            default -> throw new UnsupportedOperationException(model.name() + ": padding " + padding + " (node " + n.name() + ")");
        }
        List<String> in = bias == null ? List.of(nchw(x), w) : List.of(nchw(x), w, bias);
        String out = g.node("Conv", in, attrs);
        for (String f : post) {
            out = switch (f) {
                case "Relu" -> g.relu(out);
                case "Relu6" -> g.clip(out, 0f, 6f);
                case "Elu" -> g.elu(out, 1f);
                case "Sigmoid" -> g.sigmoid(out);
                case "Tanh" -> g.tanh(out);
                case "Prelu" -> {
                    Weight a = constant(n.inputs().get(nextArg++));
                    yield g.prelu(out, g.weights(fresh("alpha"), a.floats(), a.size(), 1, 1));
                }
                case "LeakyRelu" -> g.leakyRelu(out, n.floatAttr("leakyrelu_alpha", 0.2f));
                default -> throw new UnsupportedOperationException(model.name() + ": fused op '" + f + "' in " + n.op() + " (node " + n.name() + ")");
            };
        }
        return new Value(out, new long[] {inShape[0], oh, ow, cout}, true, null);
    }

    private Value binary(Node n, String op) {
        Value a = value(n.inputs().get(0));
        Value b = value(n.inputs().get(1));
        long[] shape = broadcast(a.shape(), b.shape());
        boolean nchw = shape.length == 4 && ((a.constant() == null && a.nchw()) || (b.constant() == null && b.nchw()));
        String an = operand(a, nchw, shape.length);
        String bn = operand(b, nchw, shape.length);
        return new Value(g.node(op, List.of(an, bn), Map.of()), shape, nchw, null);
    }

    /** An operand of an elementwise op laid out for a result in NCHW ({@code nchw}) or TF order. */
    private String operand(Value v, boolean nchw, int resultRank) {
        if (v.constant() != null) {
            Weight w = v.constant();
            if (w.isInt()) {
                throw new IllegalArgumentException("int32 constant " + w.name() + " in float arithmetic");
            }
            if (!nchw || w.size() == 1) {
                long[] dims = w.shape().length == 0 ? new long[0] : w.shape();
                return g.weights(fresh("k"), w.floats(), dims);
            }
            // TF broadcasting right-aligns the constant against NHWC: pad it to rank 4, then move C to axis 1
            long[] s4 = new long[4];
            Arrays.fill(s4, 1);
            long[] s = w.shape();
            System.arraycopy(s, 0, s4, 4 - s.length, s.length);
            float[] data = permute(w.floats(), s4, TO_NCHW);
            long[] out = {s4[0], s4[3], s4[1], s4[2]};
            return g.weights(fresh("k"), data, out);
        }
        if (nchw) {
            if (v.rank() != 4) {
                throw new IllegalArgumentException("mixing a rank-" + v.rank() + " tensor with an NCHW activation");
            }
            return nchw(v);
        }
        return nhwc(v);
    }

    private Value mean(Node n) {
        Value x = tensor(n.inputs().get(0));
        int[] axes = constant(n.inputs().get(1)).ints();
        boolean keep = n.bool("keep_dims", false);
        int r = x.rank();
        long[] tfAxes = new long[axes.length];
        boolean[] reduced = new boolean[r];
        for (int i = 0; i < axes.length; i++) {
            int a = axes[i] < 0 ? axes[i] + r : axes[i];
            tfAxes[i] = a;
            reduced[a] = true;
        }
        List<Long> outShape = new ArrayList<>();
        for (int i = 0; i < r; i++) {
            if (!reduced[i]) {
                outShape.add(x.shape()[i]);
            } else if (keep) {
                outShape.add(1L);
            }
        }
        long[] shape = outShape.stream().mapToLong(Long::longValue).toArray();
        if (x.nchw() && !keep && r == 4 && reduced[1] && reduced[2] && !reduced[0] && !reduced[3]) {
            // spatial mean: NCHW axes 2, 3 leave [N, C], the same as TF's [N, C]
            return new Value(g.reduceMean(x.onnx(), false, 2, 3), shape, false, null);
        }
        return new Value(g.reduceMean(nhwc(x), keep, tfAxes), shape, false, null);
    }

    private Value matMul(Node n) {
        Value a = tensor(n.inputs().get(0));
        Weight b = constant(n.inputs().get(1));
        boolean ta = n.bool("transpose_a", false);
        boolean tb = n.bool("transpose_b", false);
        if (a.rank() != 2 || b.shape().length != 2) {
            throw new IllegalArgumentException("MatMul on rank " + a.rank() + " x " + b.shape().length + " (only 2-D)");
        }
        long units = tb ? b.shape()[0] : b.shape()[1];
        List<String> fused = n.op().equals("_FusedMatMul") ? n.strings("fused_ops") : List.of();
        float[] biasData = new float[(int) units];
        int nextArg = 2;
        List<String> post = new ArrayList<>();
        for (String f : fused) {
            if (f.equals("BiasAdd")) {
                biasData = constant(n.inputs().get(nextArg++)).floats();
            } else {
                post.add(f);
            }
        }
        String out = g.gemm(nhwc(a), g.weights(fresh("W"), b.floats(), b.shape()), g.weights(fresh("b"), biasData, units), ta, tb);
        for (String f : post) {
            out = switch (f) {
                case "Relu" -> g.relu(out);
                case "Relu6" -> g.clip(out, 0f, 6f);
                case "Sigmoid" -> g.sigmoid(out);
                case "Tanh" -> g.tanh(out);
                case "Elu" -> g.elu(out, 1f);
                default -> throw new UnsupportedOperationException(model.name() + ": fused op '" + f + "' in _FusedMatMul (node " + n.name() + ")");
            };
        }
        return new Value(out, new long[] {a.shape()[ta ? 1 : 0], units}, false, null);
    }

    private Value pool(Node n) {
        requireNhwc(n);
        Value x = tensor(n.inputs().get(0));
        long[] k = hw(n.ints("ksize"), 1);
        long[] s = hw(n.ints("strides"), 1);
        String padding = n.string("padding", "VALID");
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", k);
        attrs.put("strides", s);
        long oh;
        long ow;
        if (padding.equals("SAME")) {
            attrs.put("auto_pad", "SAME_UPPER");
            oh = ceilDiv(x.shape()[1], s[0]);
            ow = ceilDiv(x.shape()[2], s[1]);
        } else if (padding.equals("VALID")) {
            attrs.put("pads", new long[] {0, 0, 0, 0});
            oh = (x.shape()[1] - k[0]) / s[0] + 1;
            ow = (x.shape()[2] - k[1]) / s[1] + 1;
        } else {
            throw new UnsupportedOperationException(model.name() + ": pooling padding " + padding + " (node " + n.name() + ")");
        }
        if (n.op().equals("AvgPool")) {
            // TF excludes the SAME padding from the average
            attrs.put("count_include_pad", 0L);
        }
        String out = g.node(n.op().equals("MaxPool") ? "MaxPool" : "AveragePool", List.of(nchw(x)), attrs);
        return new Value(out, new long[] {x.shape()[0], oh, ow, x.shape()[3]}, true, null);
    }

    private Value pad(Node n) {
        Value x = tensor(n.inputs().get(0));
        int[] p = constant(n.inputs().get(1)).ints();
        int r = x.rank();
        if (p.length != 2 * r) {
            throw new IllegalArgumentException("paddings have " + p.length + " values for rank " + r);
        }
        long[] shape = new long[r];
        for (int i = 0; i < r; i++) {
            shape[i] = x.shape()[i] < 0 ? -1 : x.shape()[i] + p[2 * i] + p[2 * i + 1];
        }
        long[] pads = new long[2 * r];
        boolean nchw = x.nchw() && r == 4;
        for (int i = 0; i < r; i++) {
            int tfAxis = nchw ? (int) TO_NCHW[i] : i;
            pads[i] = p[2 * tfAxis];
            pads[r + i] = p[2 * tfAxis + 1];
        }
        return new Value(g.pad(x.onnx(), pads, 0f), shape, nchw, null);
    }

    // ---------------------------------------------------------------- helpers

    private String activation(String op, String x) {
        return switch (op) {
            case "Relu" -> g.relu(x);
            case "Relu6" -> g.clip(x, 0f, 6f);
            case "Sigmoid" -> g.sigmoid(x);
            case "Tanh" -> g.tanh(x);
            case "Elu" -> g.elu(x, 1f);
            default -> throw new IllegalStateException(op);
        };
    }

    private void requireNhwc(Node n) {
        String fmt = n.string("data_format", "NHWC");
        if (!fmt.equals("NHWC")) {
            throw new UnsupportedOperationException(model.name() + ": data_format " + fmt + " (node " + n.name() + ")");
        }
    }

    private Value value(String ref) {
        if (TfjsModel.outputIndexOf(ref) != 0) {
            throw new UnsupportedOperationException(model.name() + ": multi-output reference " + ref);
        }
        Value v = values.get(TfjsModel.nodeOf(ref));
        if (v == null) {
            throw new IllegalArgumentException("input " + ref + " is not defined before use");
        }
        return v;
    }

    /** A non-constant value, or a constant materialised as an initializer in TF order. */
    private Value tensor(String ref) {
        Value v = value(ref);
        if (v.constant() != null) {
            Weight w = v.constant();
            if (w.isInt()) {
                throw new IllegalArgumentException("int32 constant " + w.name() + " used as a float tensor");
            }
            return new Value(g.weights(fresh("c"), w.floats(), w.shape()), w.shape(), false, null);
        }
        return v;
    }

    private Weight constant(String ref) {
        Value v = value(ref);
        if (v.constant() == null) {
            throw new UnsupportedOperationException(model.name() + ": " + ref + " must be a constant (weights, axes, shape)");
        }
        return v.constant();
    }

    private String nchw(Value v) {
        if (v.rank() != 4) {
            throw new IllegalArgumentException("expected a rank-4 activation, got " + Arrays.toString(v.shape()));
        }
        return v.nchw() ? v.onnx() : g.transpose(v.onnx(), TO_NCHW);
    }

    private String nhwc(Value v) {
        if (v.constant() != null) {
            return tensor(TfjsModel.nodeOf(v.constant().name())).onnx();
        }
        return v.nchw() ? g.transpose(v.onnx(), TO_NHWC) : v.onnx();
    }

    private String fresh(String prefix) {
        return model.name() + "_" + prefix + "_" + (constCounter++);
    }

    private static long[] hw(long[] nhwc, long dflt) {
        return nhwc == null ? new long[] {dflt, dflt} : new long[] {nhwc[1], nhwc[2]};
    }

    private static long ceilDiv(long a, long b) {
        return a < 0 ? -1 : (a + b - 1) / b;
    }

    private static long[] broadcast(long[] a, long[] b) {
        int r = Math.max(a.length, b.length);
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            long da = i - (r - a.length) >= 0 ? a[i - (r - a.length)] : 1;
            long db = i - (r - b.length) >= 0 ? b[i - (r - b.length)] : 1;
            if (da != db && da != 1 && db != 1 && da != -1 && db != -1) {
                throw new IllegalArgumentException("shapes " + Arrays.toString(a) + " and " + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    private static long[] reshapeTarget(long[] in, int[] target) {
        long known = 1;
        boolean dynamic = false;
        for (long d : in) {
            if (d < 0) {
                dynamic = true;
            } else {
                known *= d;
            }
        }
        long[] out = new long[target.length];
        int infer = -1;
        long prod = 1;
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                infer = i;
            } else {
                out[i] = target[i];
                prod *= target[i];
            }
        }
        if (infer >= 0) {
            out[infer] = dynamic ? -1 : known / prod;
        }
        return out;
    }

    /** HWIO (TF) to OIHW (ONNX). */
    static float[] hwioToOihw(float[] w, int kh, int kw, int cin, int cout) {
        float[] out = new float[w.length];
        for (int h = 0; h < kh; h++) {
            for (int x = 0; x < kw; x++) {
                for (int i = 0; i < cin; i++) {
                    for (int o = 0; o < cout; o++) {
                        out[((o * cin + i) * kh + h) * kw + x] = w[((h * kw + x) * cin + i) * cout + o];
                    }
                }
            }
        }
        return out;
    }

    /** Depthwise {@code [H, W, C, M]} (TF) to {@code [C*M, 1, H, W]} (ONNX grouped convolution, output c*M+m). */
    static float[] depthwiseToOnnx(float[] w, int kh, int kw, int c, int m) {
        float[] out = new float[w.length];
        for (int h = 0; h < kh; h++) {
            for (int x = 0; x < kw; x++) {
                for (int ci = 0; ci < c; ci++) {
                    for (int mi = 0; mi < m; mi++) {
                        out[((ci * m + mi) * kh + h) * kw + x] = w[((h * kw + x) * c + ci) * m + mi];
                    }
                }
            }
        }
        return out;
    }

    /** Permutes a rank-4 row-major array: output axis i is input axis {@code perm[i]}. */
    static float[] permute(float[] data, long[] shape, long[] perm) {
        int[] s = {(int) shape[0], (int) shape[1], (int) shape[2], (int) shape[3]};
        int[] os = {s[(int) perm[0]], s[(int) perm[1]], s[(int) perm[2]], s[(int) perm[3]]};
        int[] inStride = {s[1] * s[2] * s[3], s[2] * s[3], s[3], 1};
        float[] out = new float[data.length];
        int k = 0;
        for (int a = 0; a < os[0]; a++) {
            for (int b = 0; b < os[1]; b++) {
                for (int c = 0; c < os[2]; c++) {
                    for (int d = 0; d < os[3]; d++) {
                        int[] idx = {a, b, c, d};
                        int src = 0;
                        for (int i = 0; i < 4; i++) {
                            src += idx[i] * inStride[(int) perm[i]];
                        }
                        out[k++] = data[src];
                    }
                }
            }
        }
        return out;
    }
}
