package io.quorum.training.export;

import io.quorum.shared.onnx.DataType;
import io.quorum.shared.onnx.OnnxGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

/**
 * Exports a classifier's input gradient as an ONNX graph: inputs {@code x} and one-hot {@code labels}; outputs
 * {@code probabilities}, per-example cross-entropy {@code loss}, and {@code gradient} = d(loss_i)/d(x_i) of the
 * deployed (inference-mode) network. The backward pass is written out op by op (transposed Gemm, ConvTranspose,
 * max-pool index scatter, activation derivatives, batch norm on running statistics), so white-box attacks can run
 * on ONNX Runtime alone. Supported: multi-layer networks of dense, convolution, max/average pooling, batch norm,
 * activation and dropout layers ending in a softmax output layer with MCXENT or negative log-likelihood loss.
 * See {@code DESIGN.md} in this package.
 */
public final class GradientExporter {

    public static final String INPUT = "x";
    public static final String LABELS = "labels";
    public static final String PROBABILITIES = "probabilities";
    public static final String LOSS = "loss";
    public static final String GRADIENT = "gradient";

    /** What the backward pass needs to remember about one forward step. */
    private interface Step {
        String backward(OnnxGraph g, String dy);
    }

    private GradientExporter() {
    }

    public static byte[] export(MultiLayerNetwork net, long[] inputShape, Map<String, String> metadata) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        int n = net.getnLayers();
        Layer last = conf.getConf(n - 1).getLayer();
        if (!(last instanceof BaseOutputLayer out) || !(out.getActivationFn() instanceof ActivationSoftmax)
                || !(out.getLossFn() instanceof LossMCXENT || out.getLossFn() instanceof LossNegativeLogLikelihood)) {
            throw new ExportException("gradient export needs a softmax output layer with MCXENT or negative log-likelihood loss");
        }
        if (out.getLossFn() instanceof LossMCXENT mc && mc.getWeights() != null) {
            throw new ExportException("weighted loss functions are not exported");
        }
        OnnxGraph g = OnnxGraph.create("quorum-gradient");
        LayerMapper m = new LayerMapper(g);
        LayerMapper.Value v = new LayerMapper.Value(g.inputExact(INPUT, DataType.FLOAT,
                Dl4jOnnxExporter.batched(inputShape)), inputShape);
        String labels = g.inputExact(LABELS, DataType.FLOAT, -1, out.getNOut());
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            v = preprocess(g, m, conf.getInputPreProcess(i), v, steps);
            Layer layer = conf.getConf(i).getLayer();
            Map<String, INDArray> params = net.getLayer(i).paramTable();
            String name = "layer" + i;
            if (i == n - 1) {
                LayerMapper.Value logits = dense(g, m, name, params, v, out.getNOut(), out.hasBias(), steps);
                String probs = g.softmax(logits.name(), 1);
                g.output(probs, PROBABILITIES, -1, out.getNOut());
                // loss_i = -sum(y * log(p)); d loss / d logits = p - y for softmax + cross-entropy
                String logp = g.log(g.max(probs, g.scalar(1e-30f)));
                g.output(g.neg(g.reduceSum(g.mul(labels, logp), false, 1)), LOSS, -1);
                String dy = g.sub(probs, labels);
                for (int s = steps.size() - 1; s >= 0; s--) {
                    dy = steps.get(s).backward(g, dy);
                }
                g.output(dy, GRADIENT, Dl4jOnnxExporter.batched(inputShape));
                break;
            }
            v = layer(g, m, name, layer, params, v, steps);
        }
        metadata.forEach(g::metadata);
        return g.toBytes();
    }

    private static LayerMapper.Value preprocess(OnnxGraph g, LayerMapper m, InputPreProcessor pre, LayerMapper.Value in,
                                                List<Step> steps) {
        if (pre == null) {
            return in;
        }
        LayerMapper.Value out = m.preprocess(pre, in);
        if (pre instanceof CnnToFeedForwardPreProcessor || pre instanceof FeedForwardToCnnPreProcessor) {
            String shapeOfInput = g.node("Shape", List.of(in.name()), Map.of());
            steps.add((gg, dy) -> gg.node("Reshape", List.of(dy, shapeOfInput), Map.of()));
        }
        return out;
    }

    private static LayerMapper.Value layer(OnnxGraph g, LayerMapper m, String name, Layer layer, Map<String, INDArray> params,
                                           LayerMapper.Value in, List<Step> steps) {
        if (layer instanceof DenseLayer d) {
            return activation(g, m, d.getActivationFn(), dense(g, m, name, params, in, d.getNOut(), d.hasBias(), steps), steps);
        }
        if (layer instanceof ActivationLayer a) {
            return activation(g, m, a.getActivationFn(), in, steps);
        }
        if (layer instanceof DropoutLayer) {
            return in;
        }
        if (layer instanceof BatchNormalization bn) {
            LayerMapper.Value out = m.layer(name, bn, params, in);
            // inference batch norm is affine per channel: dx = dy * gamma / std
            float[] gamma = bn.isLockGammaBeta() ? filled(in.shape()[0], (float) bn.getGamma()) : LayerMapper.flat(params.get("gamma"));
            float[] scale = new float[gamma.length];
            float[] std = std(bn, params, gamma.length);
            for (int i = 0; i < gamma.length; i++) {
                scale[i] = gamma[i] / std[i];
            }
            long[] dims = in.shape().length == 3 ? new long[] {gamma.length, 1, 1} : new long[] {gamma.length};
            String s = m.weights(name + "_dscale", scale, dims);
            steps.add((gg, dy) -> gg.mul(dy, s));
            return out;
        }
        if (layer instanceof ConvolutionLayer c && c.getClass() == ConvolutionLayer.class) {
            LayerMapper.Value pre = m.layer(name, withIdentity(c), params, in);
            String w = name + "_W";
            int[] k = c.getKernelSize();
            int[] st = c.getStride();
            int[] d = c.getDilation();
            long[] pads = LayerMapper.pads(c.getConvolutionMode(), in.shape(), k, st, d, c.getPadding(), name);
            long[] outPad = new long[2];
            for (int i = 0; i < 2; i++) {
                long produced = (pre.shape()[i + 1] - 1) * st[i] - pads[i] - pads[i + 2] + (long) (k[i] - 1) * d[i] + 1;
                outPad[i] = in.shape()[i + 1] - produced;
            }
            steps.add((gg, dy) -> gg.convTranspose(dy, w, new long[] {k[0], k[1]}, new long[] {st[0], st[1]}, pads,
                    new long[] {d[0], d[1]}, outPad));
            return activation(g, m, c.getActivationFn(), pre, steps);
        }
        if (layer instanceof SubsamplingLayer p && p.getClass() == SubsamplingLayer.class) {
            return pool(g, m, name, p, in, steps);
        }
        throw new ExportException("gradient export does not support layer " + name + ": " + layer.getClass().getSimpleName());
    }

    private static LayerMapper.Value dense(OnnxGraph g, LayerMapper m, String name, Map<String, INDArray> params,
                                           LayerMapper.Value in, long nOut, boolean hasBias, List<Step> steps) {
        long nIn = in.shape()[0];
        String w = m.weights(name + "_W", params.get("W"), nIn, nOut);
        String b = hasBias ? m.weights(name + "_b", params.get("b"), nOut) : m.weights(name + "_b0", new float[(int) nOut], nOut);
        String wt = m.weights(name + "_Wt", params.get("W").transpose(), nOut, nIn);
        steps.add((gg, dy) -> gg.matMul(dy, wt));
        return new LayerMapper.Value(g.gemm(in.name(), w, b), new long[] {nOut});
    }

    private static LayerMapper.Value activation(OnnxGraph g, LayerMapper m, IActivation fn, LayerMapper.Value in,
                                                List<Step> steps) {
        if (fn instanceof ActivationIdentity) {
            return in;
        }
        LayerMapper.Value out = m.activation(fn, in);
        String x = in.name();
        String y = out.name();
        if (fn instanceof ActivationReLU) {
            steps.add((gg, dy) -> gg.mul(dy, positive(gg, x)));
        } else if (fn instanceof ActivationLReLU l) {
            float alpha = (float) l.getAlpha();
            steps.add((gg, dy) -> gg.node("Where", List.of(gt0(gg, x), dy, gg.mul(dy, gg.scalar(alpha))), Map.of()));
        } else if (fn instanceof ActivationELU e) {
            float alpha = (float) e.getAlpha();
            steps.add((gg, dy) -> gg.node("Where", List.of(gt0(gg, x), dy, gg.mul(dy, gg.add(y, gg.scalar(alpha)))), Map.of()));
        } else if (fn instanceof ActivationSigmoid) {
            steps.add((gg, dy) -> gg.mul(dy, gg.mul(y, gg.sub(gg.scalar(1f), y))));
        } else if (fn instanceof ActivationTanH) {
            steps.add((gg, dy) -> gg.mul(dy, gg.sub(gg.scalar(1f), gg.mul(y, y))));
        } else if (fn instanceof ActivationSoftmax) {
            steps.add((gg, dy) -> gg.mul(y, gg.sub(dy, gg.reduceSum(gg.mul(dy, y), true, 1))));
        } else {
            throw new ExportException("gradient export does not support activation " + fn);
        }
        return out;
    }

    private static LayerMapper.Value pool(OnnxGraph g, LayerMapper m, String name, SubsamplingLayer p, LayerMapper.Value in,
                                          List<Step> steps) {
        int[] k = p.getKernelSize();
        int[] st = p.getStride();
        long[] pads = LayerMapper.pads(p.getConvolutionMode(), in.shape(), k, st, new int[] {1, 1}, p.getPadding(), name);
        long[] outShape = {in.shape()[0], LayerMapper.outSize(in.shape()[1], k[0], st[0], 1, pads[0], pads[2]),
                LayerMapper.outSize(in.shape()[2], k[1], st[1], 1, pads[1], pads[3])};
        String x = in.name();
        if (p.getPoolingType() == PoolingType.MAX) {
            List<String> vi = g.maxPoolWithIndices(x, new long[] {k[0], k[1]}, new long[] {st[0], st[1]}, pads);
            String indices = vi.get(1);
            steps.add((gg, dy) -> {
                // scatter-add each output gradient to the input position its max came from (flat NCHW indices)
                String shape = gg.node("Shape", List.of(x), Map.of());
                String flatX = gg.reshape(x, -1);
                String zeros = gg.mul(flatX, gg.scalar(0f));
                String scattered = gg.node("ScatterElements", List.of(zeros, gg.reshape(indices, -1), gg.reshape(dy, -1)),
                        Map.of("axis", 0L, "reduction", "add"));
                return gg.node("Reshape", List.of(scattered, shape), Map.of());
            });
            return new LayerMapper.Value(vi.get(0), outShape);
        }
        if (p.getPoolingType() == PoolingType.AVG) {
            LayerMapper.Value out = m.layer(name, p, Map.of(), in);
            long c = in.shape()[0];
            float[] ones = filled(c * k[0] * k[1], 1f);
            String w = m.weights(name + "_ones", ones, c, 1, k[0], k[1]);
            long[] outPad = new long[2];
            for (int i = 0; i < 2; i++) {
                long produced = (outShape[i + 1] - 1) * st[i] - pads[i] - pads[i + 2] + k[i];
                outPad[i] = in.shape()[i + 1] - produced;
            }
            boolean include = p.isAvgPoolIncludePadInDivisor() || (pads[0] + pads[1] + pads[2] + pads[3]) == 0;
            steps.add((gg, dy) -> {
                String divisor;
                if (include) {
                    divisor = gg.scalar(k[0] * k[1]);
                } else {
                    // number of real (unpadded) inputs under each window: a sum pool of ones
                    String onesLike = gg.add(gg.mul(x, gg.scalar(0f)), gg.scalar(1f));
                    divisor = gg.node("LpPool", List.of(onesLike), Map.of("kernel_shape", new long[] {k[0], k[1]},
                            "strides", new long[] {st[0], st[1]}, "pads", pads, "p", 1L));
                }
                Map<String, Object> attrs = new java.util.LinkedHashMap<>();
                attrs.put("kernel_shape", new long[] {k[0], k[1]});
                attrs.put("strides", new long[] {st[0], st[1]});
                attrs.put("pads", pads);
                attrs.put("output_padding", outPad);
                attrs.put("group", c);
                return gg.node("ConvTranspose", List.of(gg.div(dy, divisor), w), attrs);
            });
            return out;
        }
        throw new ExportException("gradient export does not support pooling " + p.getPoolingType());
    }

    private static ConvolutionLayer withIdentity(ConvolutionLayer c) {
        ConvolutionLayer copy = (ConvolutionLayer) c.clone();
        copy.setActivationFn(new ActivationIdentity());
        return copy;
    }

    private static String gt0(OnnxGraph g, String x) {
        return g.node("Greater", List.of(x, g.scalar(0f)), Map.of());
    }

    private static String positive(OnnxGraph g, String x) {
        return g.node("Cast", List.of(gt0(g, x)), Map.of("to", (long) DataType.FLOAT.code()));
    }

    private static float[] std(BatchNormalization bn, Map<String, INDArray> params, int n) {
        float[] std = new float[n];
        if (bn.isUseLogStd()) {
            float[] l = LayerMapper.flat(params.get("log10stdev"));
            for (int i = 0; i < n; i++) {
                double sd = Math.pow(10.0, l[i]);
                std[i] = (float) Math.sqrt(sd * sd + bn.getEps());
            }
        } else {
            float[] var = LayerMapper.flat(params.get("var"));
            for (int i = 0; i < n; i++) {
                std[i] = (float) Math.sqrt(var[i] + bn.getEps());
            }
        }
        return std;
    }

    private static float[] filled(long n, float v) {
        float[] a = new float[(int) n];
        java.util.Arrays.fill(a, v);
        return a;
    }
}
