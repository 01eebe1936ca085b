package io.quorum.faces.tfjs;

import io.quorum.faces.tfjs.TfjsModel.Node;
import io.quorum.faces.tfjs.TfjsModel.Weight;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The parity reference: evaluates a TF.js graph op by op in TF's own NHWC layout with plain loops and TF's
 * documented semantics (SAME padding split with the extra row/column at the end, HWIO filters, depthwise
 * {@code [H, W, C, M]}, right-aligned broadcasting), in double accumulators. It shares only the model reader with the
 * converter: no ONNX, no layout changes, no weight re-packing.
 */
final class TfjsReference {

    /** A dense NHWC (or any-rank) tensor. */
    record T(int[] shape, double[] v) {
        int size() {
            return v.length;
        }
    }

    private final TfjsModel model;

    TfjsReference(TfjsModel model) {
        this.model = model;
    }

    /** Runs the graph on {@code input} (the single placeholder) and returns the requested nodes' values. */
    Map<String, T> run(T input, List<String> outputs) {
        Map<String, T> vals = new HashMap<>();
        for (Node n : model.nodes()) {
            vals.put(n.name(), eval(n, input, vals));
        }
        Map<String, T> out = new HashMap<>();
        for (String o : outputs) {
            out.put(o, vals.get(o));
        }
        return out;
    }

    private T in(Node n, int i, Map<String, T> vals) {
        return vals.get(TfjsModel.nodeOf(n.inputs().get(i)));
    }

    private T eval(Node n, T input, Map<String, T> vals) {
        switch (n.op()) {
            case "Placeholder":
                return input;
            case "Const": {
                Weight w = model.weight(n.name());
                int[] s = Arrays.stream(w.shape()).mapToInt(x -> (int) x).toArray();
                double[] v = new double[w.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = w.isInt() ? w.ints()[i] : w.floats()[i];
                }
                return new T(s, v);
            }
            case "Identity":
                return in(n, 0, vals);
            case "Conv2D":
            case "_FusedConv2D":
            case "DepthwiseConv2dNative": {
                T x = in(n, 0, vals);
                T f = in(n, 1, vals);
                long[] st = n.ints("strides");
                long[] dl = n.ints("dilations");
                T y = conv(x, f, (int) st[1], (int) st[2], dl == null ? 1 : (int) dl[1], dl == null ? 1 : (int) dl[2],
                        n.string("padding", "VALID").equals("SAME"), n.op().startsWith("Depthwise"));
                if (n.op().equals("_FusedConv2D")) {
                    int arg = 2;
                    for (String op : n.strings("fused_ops")) {
                        if (op.equals("BiasAdd")) {
                            y = binary(y, in(n, arg++, vals), "Add");
                        } else {
                            y = unary(y, op);
                        }
                    }
                }
                return y;
            }
            case "Add":
            case "AddV2":
            case "BiasAdd":
                return binary(in(n, 0, vals), in(n, 1, vals), "Add");
            case "Sub":
            case "Mul":
            case "Minimum":
            case "Maximum":
                return binary(in(n, 0, vals), in(n, 1, vals), n.op());
            case "Relu":
            case "Relu6":
            case "Sigmoid":
            case "Tanh":
                return unary(in(n, 0, vals), n.op());
            case "Softmax": {
                T x = in(n, 0, vals);
                int c = x.shape()[x.shape().length - 1];
                double[] v = new double[x.size()];
                for (int r = 0; r < x.size() / c; r++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < c; j++) {
                        max = Math.max(max, x.v()[r * c + j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < c; j++) {
                        v[r * c + j] = Math.exp(x.v()[r * c + j] - max);
                        sum += v[r * c + j];
                    }
                    for (int j = 0; j < c; j++) {
                        v[r * c + j] /= sum;
                    }
                }
                return new T(x.shape(), v);
            }
            case "Mean": {
                T x = in(n, 0, vals);
                T axes = in(n, 1, vals);
                if (x.shape().length != 4 || axes.size() != 2 || axes.v()[0] != 1 || axes.v()[1] != 2 || n.bool("keep_dims", false)) {
                    throw new UnsupportedOperationException("reference Mean: only the spatial mean of NHWC");
                }
                int b = x.shape()[0];
                int hw = x.shape()[1] * x.shape()[2];
                int c = x.shape()[3];
                double[] v = new double[b * c];
                for (int i = 0; i < b; i++) {
                    for (int p = 0; p < hw; p++) {
                        for (int j = 0; j < c; j++) {
                            v[i * c + j] += x.v()[(i * hw + p) * c + j];
                        }
                    }
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] /= hw;
                }
                return new T(new int[] {b, c}, v);
            }
            case "MatMul":
            case "_FusedMatMul": {
                T a = in(n, 0, vals);
                T w = in(n, 1, vals);
                if (n.bool("transpose_a", false) || n.bool("transpose_b", false)) {
                    throw new UnsupportedOperationException("reference MatMul: no transposes");
                }
                int rows = a.shape()[0];
                int k = a.shape()[1];
                int cols = w.shape()[1];
                double[] v = new double[rows * cols];
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < cols; j++) {
                        double s = 0;
                        for (int i = 0; i < k; i++) {
                            s += a.v()[r * k + i] * w.v()[i * cols + j];
                        }
                        v[r * cols + j] = s;
                    }
                }
                T y = new T(new int[] {rows, cols}, v);
                if (n.op().equals("_FusedMatMul")) {
                    int arg = 2;
                    for (String op : n.strings("fused_ops")) {
                        y = op.equals("BiasAdd") ? binary(y, in(n, arg++, vals), "Add") : unary(y, op);
                    }
                }
                return y;
            }
            case "MaxPool":
                return maxPool(in(n, 0, vals), n);
            case "Pad": {
                T x = in(n, 0, vals);
                T p = in(n, 1, vals);
                int[] s = x.shape();
                int[] os = new int[4];
                for (int i = 0; i < 4; i++) {
                    os[i] = s[i] + (int) p.v()[2 * i] + (int) p.v()[2 * i + 1];
                }
                double[] v = new double[os[0] * os[1] * os[2] * os[3]];
                for (int b = 0; b < s[0]; b++) {
                    for (int y = 0; y < s[1]; y++) {
                        for (int xx = 0; xx < s[2]; xx++) {
                            for (int c = 0; c < s[3]; c++) {
                                int ob = b + (int) p.v()[0];
                                int oy = y + (int) p.v()[2];
                                int ox = xx + (int) p.v()[4];
                                int oc = c + (int) p.v()[6];
                                v[((ob * os[1] + oy) * os[2] + ox) * os[3] + oc] = x.v()[((b * s[1] + y) * s[2] + xx) * s[3] + c];
                            }
                        }
                    }
                }
                return new T(os, v);
            }
            case "Reshape": {
                T x = in(n, 0, vals);
                T s = in(n, 1, vals);
                int[] shape = new int[s.size()];
                int infer = -1;
                int prod = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = (int) s.v()[i];
                    if (shape[i] == -1) {
                        infer = i;
                    } else {
                        prod *= shape[i];
                    }
                }
                if (infer >= 0) {
                    shape[infer] = x.size() / prod;
                }
                return new T(shape, x.v());
            }
            default:
                throw new UnsupportedOperationException("reference: op " + n.op());
        }
    }

    private static T unary(T x, String op) {
        double[] v = new double[x.size()];
        for (int i = 0; i < v.length; i++) {
            double a = x.v()[i];
            v[i] = switch (op) {
                case "Relu" -> Math.max(0, a);
                case "Relu6" -> Math.min(6, Math.max(0, a));
                case "Sigmoid" -> 1 / (1 + Math.exp(-a));
                case "Tanh" -> Math.tanh(a);
                default -> throw new UnsupportedOperationException("reference: unary " + op);
            };
        }
        return new T(x.shape(), v);
    }

    /** Elementwise with right-aligned broadcasting. */
    private static T binary(T a, T b, String op) {
        int r = Math.max(a.shape().length, b.shape().length);
        int[] as = pad(a.shape(), r);
        int[] bs = pad(b.shape(), r);
        int[] os = new int[r];
        for (int i = 0; i < r; i++) {
            os[i] = Math.max(as[i], bs[i]);
        }
        int total = 1;
        for (int d : os) {
            total *= d;
        }
        double[] v = new double[total];
        int[] idx = new int[r];
        for (int k = 0; k < total; k++) {
            int rem = k;
            for (int i = r - 1; i >= 0; i--) {
                idx[i] = rem % os[i];
                rem /= os[i];
            }
            double x = a.v()[flat(idx, as)];
            double y = b.v()[flat(idx, bs)];
            v[k] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                case "Minimum" -> Math.min(x, y);
                case "Maximum" -> Math.max(x, y);
                default -> throw new UnsupportedOperationException(op);
            };
        }
        return new T(os, v);
    }

    private static int[] pad(int[] s, int r) {
        int[] out = new int[r];
        Arrays.fill(out, 1);
        System.arraycopy(s, 0, out, r - s.length, s.length);
        return out;
    }

    private static int flat(int[] idx, int[] shape) {
        int f = 0;
        for (int i = 0; i < shape.length; i++) {
            f = f * shape[i] + (shape[i] == 1 ? 0 : idx[i]);
        }
        return f;
    }

    /** TF SAME: out = ceil(in / stride), total pad = max(0, (out - 1) * stride + effective kernel - in), start = total / 2. */
    private static int padStart(int in, int k, int stride, int dil, boolean same) {
        if (!same) {
            return 0;
        }
        int out = (in + stride - 1) / stride;
        int eff = (k - 1) * dil + 1;
        return Math.max(0, (out - 1) * stride + eff - in) / 2;
    }

    private static int outSize(int in, int k, int stride, int dil, boolean same) {
        return same ? (in + stride - 1) / stride : (in - ((k - 1) * dil + 1)) / stride + 1;
    }

    private static T conv(T x, T f, int sh, int sw, int dh, int dw, boolean same, boolean depthwise) {
        int b = x.shape()[0];
        int h = x.shape()[1];
        int w = x.shape()[2];
        int c = x.shape()[3];
        int kh = f.shape()[0];
        int kw = f.shape()[1];
        int m = f.shape()[3];
        int oc = depthwise ? c * m : m;
        int oh = outSize(h, kh, sh, dh, same);
        int ow = outSize(w, kw, sw, dw, same);
        int pt = padStart(h, kh, sh, dh, same);
        int pl = padStart(w, kw, sw, dw, same);
        double[] v = new double[b * oh * ow * oc];
        double[] fv = f.v();
        double[] xv = x.v();
        for (int n = 0; n < b; n++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    int o = ((n * oh + oy) * ow + ox) * oc;
                    for (int ky = 0; ky < kh; ky++) {
                        int iy = oy * sh - pt + ky * dh;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        for (int kx = 0; kx < kw; kx++) {
                            int ix = ox * sw - pl + kx * dw;
                            if (ix < 0 || ix >= w) {
                                continue;
                            }
                            int xi = ((n * h + iy) * w + ix) * c;
                            int fi = (ky * kw + kx) * c * m;
                            if (depthwise) {
                                for (int ci = 0; ci < c; ci++) {
                                    for (int mi = 0; mi < m; mi++) {
                                        v[o + ci * m + mi] += xv[xi + ci] * fv[fi + ci * m + mi];
                                    }
                                }
                            } else {
                                for (int ci = 0; ci < c; ci++) {
                                    double a = xv[xi + ci];
                                    int fr = fi + ci * m;
                                    for (int co = 0; co < m; co++) {
                                        v[o + co] += a * fv[fr + co];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return new T(new int[] {b, oh, ow, oc}, v);
    }

    private static T maxPool(T x, Node n) {
        long[] k = n.ints("ksize");
        long[] s = n.ints("strides");
        boolean same = n.string("padding", "VALID").equals("SAME");
        int b = x.shape()[0];
        int h = x.shape()[1];
        int w = x.shape()[2];
        int c = x.shape()[3];
        int kh = (int) k[1];
        int kw = (int) k[2];
        int sh = (int) s[1];
        int sw = (int) s[2];
        int oh = outSize(h, kh, sh, 1, same);
        int ow = outSize(w, kw, sw, 1, same);
        int pt = padStart(h, kh, sh, 1, same);
        int pl = padStart(w, kw, sw, 1, same);
        double[] v = new double[b * oh * ow * c];
        Arrays.fill(v, Double.NEGATIVE_INFINITY);
        for (int nn = 0; nn < b; nn++) {
            for (int oy = 0; oy < oh; oy++) {
                for (int ox = 0; ox < ow; ox++) {
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            int iy = oy * sh - pt + ky;
                            int ix = ox * sw - pl + kx;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                                continue;
                            }
                            for (int ci = 0; ci < c; ci++) {
                                int o = ((nn * oh + oy) * ow + ox) * c + ci;
                                v[o] = Math.max(v[o], x.v()[((nn * h + iy) * w + ix) * c + ci]);
                            }
                        }
                    }
                }
            }
        }
        return new T(new int[] {b, oh, ow, c}, v);
    }
}
