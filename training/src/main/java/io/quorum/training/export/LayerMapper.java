package io.quorum.training.export;

import io.quorum.shared.onnx.OnnxGraph;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Emits the ONNX ops of one DL4J layer (inference semantics) into an {@link OnnxGraph}, tracking the per-example
 * shape ({@code [features]} or {@code [C, H, W]}). Weights become initializers named after the layer, created once
 * and reused when the same layer is applied to several branches (shared Siamese towers).
 */
final class LayerMapper {

    /** A value in the graph and its per-example shape. */
    record Value(String name, long[] shape) {
        long features() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private final OnnxGraph g;
    private final Map<String, String> initializers = new HashMap<>();

    LayerMapper(OnnxGraph g) {
        this.g = g;
    }

    OnnxGraph graph() {
        return g;
    }

    /** The initializer {@code name}, created from {@code array} (logical C order) on first use. */
    String weights(String name, INDArray array, long... dims) {
        return initializers.computeIfAbsent(name, n -> {
            float[] data = array.dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat();
            return g.weights(n, data, dims);
        });
    }

    String weights(String name, float[] data, long... dims) {
        return initializers.computeIfAbsent(name, n -> g.weights(n, data, dims));
    }

    Value preprocess(InputPreProcessor pre, Value in) {
        if (pre == null) {
            return in;
        }
        if (pre instanceof CnnToFeedForwardPreProcessor p) {
            if (p.getFormat() != CNN2DFormat.NCHW) {
                throw new ExportException("only NCHW CNN data is exported, got " + p.getFormat());
            }
            return new Value(g.flatten(in.name(), 1), new long[] {in.features()});
        }
        if (pre instanceof FeedForwardToCnnPreProcessor p) {
            long c = p.getNumChannels();
            long h = p.getInputHeight();
            long w = p.getInputWidth();
            return new Value(g.reshape(in.name(), 0, c, h, w), new long[] {c, h, w});
        }
        throw new ExportException("unsupported input preprocessor " + pre.getClass().getSimpleName());
    }

    /**
     * Emits {@code layer} applied to {@code in}.
     *
     * @param name   layer name (initializer prefix)
     * @param params the layer's parameter table
     */
    Value layer(String name, Layer layer, Map<String, INDArray> params, Value in) {
        if (layer instanceof BaseOutputLayer out) {
            return activation(out.getActivationFn(), dense(name, params, in, out.getNOut(), out.hasBias()));
        }
        if (layer instanceof DenseLayer d) {
            return activation(d.getActivationFn(), dense(name, params, in, d.getNOut(), d.hasBias()));
        }
        if (layer instanceof LossLayer l) {
            return activation(l.getActivationFn(), in);
        }
        if (layer instanceof ActivationLayer a) {
            return activation(a.getActivationFn(), in);
        }
        if (layer instanceof DropoutLayer) {
            return in; // inverted dropout: identity at inference
        }
        if (layer instanceof BatchNormalization bn) {
            return batchNorm(name, bn, params, in);
        }
        if (layer instanceof ConvolutionLayer c && c.getClass() == ConvolutionLayer.class) {
            return activation(c.getActivationFn(), conv(name, c, params, in));
        }
        if (layer instanceof SubsamplingLayer s && s.getClass() == SubsamplingLayer.class) {
            return pool(s, in);
        }
        throw new ExportException("unsupported layer " + name + ": " + layer.getClass().getSimpleName());
    }

    private Value dense(String name, Map<String, INDArray> params, Value in, long nOut, boolean hasBias) {
        if (in.shape().length != 1) {
            throw new ExportException("dense layer " + name + " needs flat input, got " + Arrays.toString(in.shape()));
        }
        long nIn = in.shape()[0];
        String w = weights(name + "_W", params.get("W"), nIn, nOut);
        String b = hasBias ? weights(name + "_b", params.get("b"), nOut) : weights(name + "_b0", new float[(int) nOut], nOut);
        return new Value(g.gemm(in.name(), w, b), new long[] {nOut});
    }

    Value activation(IActivation fn, Value in) {
        String out;
        if (fn instanceof ActivationIdentity) {
            return in;
        } else if (fn instanceof ActivationReLU r) {
            if (r.getMax() != null || r.getThreshold() != null && r.getThreshold() != 0.0
                    || r.getNegativeSlope() != null && r.getNegativeSlope() != 0.0) {
                throw new ExportException("ReLU with max/threshold/negative slope is not exported");
            }
            out = g.relu(in.name());
        } else if (fn instanceof ActivationELU e) {
            out = g.elu(in.name(), (float) e.getAlpha());
        } else if (fn instanceof ActivationLReLU l) {
            out = g.leakyRelu(in.name(), (float) l.getAlpha());
        } else if (fn instanceof ActivationSigmoid) {
            out = g.sigmoid(in.name());
        } else if (fn instanceof ActivationTanH) {
            out = g.tanh(in.name());
        } else if (fn instanceof ActivationSoftmax) {
            if (in.shape().length != 1) {
                throw new ExportException("softmax is exported for flat activations only");
            }
            out = g.softmax(in.name(), 1);
        } else {
            throw new ExportException("unsupported activation " + fn);
        }
        return new Value(out, in.shape());
    }

    private Value batchNorm(String name, BatchNormalization bn, Map<String, INDArray> params, Value in) {
        long n = in.shape()[0];
        if (in.shape().length == 3 && bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw new ExportException("only NCHW batch normalisation is exported");
        }
        float[] mean = flat(params.get("mean"));
        float[] std = new float[(int) n];
        if (bn.isUseLogStd()) {
            float[] log10std = flat(params.get("log10stdev"));
            for (int i = 0; i < n; i++) {
                // DL4J squares 10^log10stdev into a variance and adds eps at inference, like the var parameterisation
                double sd = Math.pow(10.0, log10std[i]);
                std[i] = (float) Math.sqrt(sd * sd + bn.getEps());
            }
        } else {
            float[] var = flat(params.get("var"));
            for (int i = 0; i < n; i++) {
                std[i] = (float) Math.sqrt(var[i] + bn.getEps());
            }
        }
        float[] gamma = new float[(int) n];
        float[] beta = new float[(int) n];
        if (bn.isLockGammaBeta()) {
            Arrays.fill(gamma, (float) bn.getGamma());
            Arrays.fill(beta, (float) bn.getBeta());
        } else {
            gamma = flat(params.get("gamma"));
            beta = flat(params.get("beta"));
        }
        // ONNX BatchNormalization with variance = std^2 and epsilon 0 computes exactly (x - mean) / std
        float[] var = new float[(int) n];
        for (int i = 0; i < n; i++) {
            var[i] = std[i] * std[i];
        }
        String out = g.batchNorm(in.name(), weights(name + "_gamma", gamma, n), weights(name + "_beta", beta, n),
                weights(name + "_mean", mean, n), weights(name + "_var", var, n), 0f);
        return new Value(out, in.shape());
    }

    private Value conv(String name, ConvolutionLayer c, Map<String, INDArray> params, Value in) {
        requireNchw(c.getCnn2dDataFormat(), name);
        long[] s = in.shape();
        if (s.length != 3) {
            throw new ExportException("convolution " + name + " needs [C,H,W] input, got " + Arrays.toString(s));
        }
        int[] k = c.getKernelSize();
        int[] st = c.getStride();
        int[] d = c.getDilation();
        long[] pads = pads(c.getConvolutionMode(), s, k, st, d, c.getPadding(), name);
        long nOut = c.getNOut();
        String w = weights(name + "_W", params.get("W"), nOut, s[0], k[0], k[1]);
        String b = c.hasBias() ? weights(name + "_b", params.get("b"), nOut) : null;
        String out = g.conv(in.name(), w, b, new long[] {k[0], k[1]}, new long[] {st[0], st[1]}, pads,
                new long[] {d[0], d[1]}, 1);
        return new Value(out, new long[] {nOut, outSize(s[1], k[0], st[0], d[0], pads[0], pads[2]),
                outSize(s[2], k[1], st[1], d[1], pads[1], pads[3])});
    }

    private Value pool(SubsamplingLayer p, Value in) {
        requireNchw(p.getCnn2dDataFormat(), "subsampling");
        long[] s = in.shape();
        int[] k = p.getKernelSize();
        int[] st = p.getStride();
        int[] d = p.getDilation();
        if (d != null && (d[0] != 1 || d[1] != 1)) {
            throw new ExportException("dilated pooling is not exported");
        }
        long[] pads = pads(p.getConvolutionMode(), s, k, st, new int[] {1, 1}, p.getPadding(), "subsampling");
        String out;
        if (p.getPoolingType() == PoolingType.MAX) {
            out = g.maxPool(in.name(), new long[] {k[0], k[1]}, new long[] {st[0], st[1]}, pads);
        } else if (p.getPoolingType() == PoolingType.AVG) {
            out = g.averagePool(in.name(), new long[] {k[0], k[1]}, new long[] {st[0], st[1]}, pads,
                    p.isAvgPoolIncludePadInDivisor());
        } else {
            throw new ExportException("pooling type " + p.getPoolingType() + " is not exported");
        }
        return new Value(out, new long[] {s[0], outSize(s[1], k[0], st[0], 1, pads[0], pads[2]),
                outSize(s[2], k[1], st[1], 1, pads[1], pads[3])});
    }

    /** ONNX pads [top, left, bottom, right] for DL4J's convolution modes. */
    static long[] pads(ConvolutionMode mode, long[] s, int[] k, int[] st, int[] d, int[] padding, String what) {
        if (mode == ConvolutionMode.Same) {
            long[] pads = new long[4];
            for (int i = 0; i < 2; i++) {
                long in = s[i + 1];
                long out = (in + st[i] - 1) / st[i];
                long effK = (long) (k[i] - 1) * d[i] + 1;
                long total = Math.max(0, (out - 1) * st[i] + effK - in);
                pads[i] = total / 2;
                pads[i + 2] = total - total / 2;
            }
            return pads;
        }
        if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
            return new long[] {padding[0], padding[1], padding[0], padding[1]};
        }
        throw new ExportException(what + ": convolution mode " + mode + " is not exported");
    }

    static long outSize(long in, int k, int stride, int dilation, long padBegin, long padEnd) {
        long effK = (long) (k - 1) * dilation + 1;
        return (in + padBegin + padEnd - effK) / stride + 1;
    }

    private static void requireNchw(CNN2DFormat f, String what) {
        if (f != null && f != CNN2DFormat.NCHW) {
            throw new ExportException(what + ": only NCHW is exported, got " + f);
        }
    }

    static float[] flat(INDArray a) {
        return a.dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat();
    }
}
