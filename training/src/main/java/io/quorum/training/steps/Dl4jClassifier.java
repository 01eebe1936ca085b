package io.quorum.training.steps;

import io.quorum.vision.model.GradientClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J classifier (a {@link MultiLayerNetwork} ending in a softmax output layer with cross-entropy loss) as vision's
 * {@link GradientClassifier}, so the attacks the adversarial service serves ({@code Fgsm}, {@code Pgd}) run on a
 * network while it trains: probabilities and input gradients of the network's <b>inference</b> function.
 *
 * <p>DL4J differentiates batch normalisation with the batch's statistics (its training mode) and applies dropout when
 * it computes gradients, so its input gradient is not the gradient of the deployed model. This adapter therefore keeps
 * an <i>inference twin</i>: the same layers without dropout, each batch normalisation folded into the convolution or
 * dense layer before it ({@code W' = W * gamma / std}, {@code b' = (b - mean) * gamma / std + beta}, per output
 * channel, with the running statistics). The twin has neither batch normalisation nor dropout, so DL4J's
 * {@code calculateGradients} on it is exactly d loss_i / d x_i of the inference network (the function
 * {@code gradient.onnx} exports). {@link #refresh()} copies the trained network's current parameters into the twin;
 * call it after training steps and before attacking. A network with neither batch norm nor dropout gets a twin too
 * (a copy), so attacks never touch the state of the network being trained.
 */
public final class Dl4jClassifier implements GradientClassifier {

    /** Twin layer {@code twin} takes its parameters from source layer {@code source}, folded with {@code bn} (or -1). */
    private record Mapping(int twin, int source, int bn) {
    }

    private final MultiLayerNetwork source;
    private final MultiLayerNetwork twin;
    private final List<Mapping> mappings = new ArrayList<>();
    private final int classes;
    private final int inputSize;

    /**
     * @param net       the network (its parameters are read, never written)
     * @param inputType the network's input type ({@code InputType.convolutionalFlat(h, w, 1)})
     */
    public Dl4jClassifier(MultiLayerNetwork net, InputType inputType) {
        this.source = net;
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations();
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().dataType(net.getLayerWiseConfigurations()
                .getDataType()).list();
        int n = net.getnLayers();
        int t = 0;
        for (int i = 0; i < n; i++) {
            Layer layer = conf.getConf(i).getLayer();
            if (layer instanceof DropoutLayer) {
                continue;
            }
            if (layer instanceof BatchNormalization) {
                throw new IllegalArgumentException("layer " + i + ": batch normalisation must follow a convolution or dense "
                        + "layer with identity activation to be folded");
            }
            if (layer.getIDropout() != null) {
                layer = layer.clone();
                layer.setIDropout(null);
            }
            int bn = i + 1 < n && conf.getConf(i + 1).getLayer() instanceof BatchNormalization ? i + 1 : -1;
            if (bn >= 0) {
                if (!(layer instanceof ConvolutionLayer || layer instanceof DenseLayer)
                        || !(((org.deeplearning4j.nn.conf.layers.BaseLayer) layer).getActivationFn() instanceof ActivationIdentity)) {
                    throw new IllegalArgumentException("layer " + i + " (" + layer.getClass().getSimpleName() + "): batch "
                            + "normalisation can only be folded into a convolution or dense layer with identity activation");
                }
                i++; // the batch normalisation is folded
            }
            b.layer(layer.clone());
            mappings.add(new Mapping(t++, bn >= 0 ? bn - 1 : i, bn));
        }
        this.twin = new MultiLayerNetwork(b.setInputType(inputType).build());
        this.twin.init();
        this.classes = (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) conf.getConf(n - 1).getLayer()).getNOut();
        this.inputSize = (int) inputType.arrayElementsPerExample();
        refresh();
    }

    /** Copies the trained network's current parameters into the inference twin (folding batch normalisation). */
    public void refresh() {
        MultiLayerConfiguration conf = source.getLayerWiseConfigurations();
        for (Mapping m : mappings) {
            Map<String, INDArray> params = source.getLayer(m.source()).paramTable();
            org.deeplearning4j.nn.api.Layer target = twin.getLayer(m.twin());
            if (params.isEmpty()) {
                continue;
            }
            if (m.bn() < 0) {
                params.forEach((k, v) -> target.setParam(k, v.dup()));
                continue;
            }
            BatchNormalization bn = (BatchNormalization) conf.getConf(m.bn()).getLayer();
            double[][] affine = scaleAndShift(bn, source.getLayer(m.bn()).paramTable());
            double[] scale = affine[0];
            double[] shift = affine[1];
            INDArray w = params.get("W");
            INDArray b = params.get("b");
            if (b == null) {
                throw new IllegalArgumentException("layer " + m.source() + " has no bias to fold batch normalisation into");
            }
            double[] wv = w.dup('c').castTo(DataType.DOUBLE).data().asDouble();
            int nOut = scale.length;
            if (conf.getConf(m.source()).getLayer() instanceof ConvolutionLayer) {
                int per = wv.length / nOut; // [nOut, nIn, kH, kW]: a block per output channel
                for (int k = 0; k < wv.length; k++) {
                    wv[k] *= scale[k / per];
                }
            } else {
                for (int k = 0; k < wv.length; k++) { // [nIn, nOut]: column o scales with output o
                    wv[k] *= scale[k % nOut];
                }
            }
            double[] bias = b.dup('c').castTo(DataType.DOUBLE).data().asDouble();
            for (int o = 0; o < nOut; o++) {
                bias[o] = bias[o] * scale[o] + shift[o];
            }
            target.setParam("W", Nd4j.create(wv, w.shape(), 'c').castTo(w.dataType()));
            target.setParam("b", Nd4j.create(bias, b.shape(), 'c').castTo(b.dataType()));
        }
    }

    /**
     * Inference batch normalisation as {@code y = x * scale + shift}: {@code scale = gamma / std},
     * {@code shift = beta - mean * scale}, with {@code std = sqrt(var + eps)} from the running statistics (as DL4J and
     * the ONNX export compute it, for both of DL4J's variance parameterisations).
     */
    static double[][] scaleAndShift(BatchNormalization bn, Map<String, INDArray> params) {
        double[] mean = flat(params.get("mean"));
        int n = mean.length;
        double[] gamma = new double[n];
        double[] beta = new double[n];
        if (bn.isLockGammaBeta()) {
            java.util.Arrays.fill(gamma, bn.getGamma());
            java.util.Arrays.fill(beta, bn.getBeta());
        } else {
            gamma = flat(params.get("gamma"));
            beta = flat(params.get("beta"));
        }
        double[] scale = new double[n];
        double[] shift = new double[n];
        double[] raw = bn.isUseLogStd() ? flat(params.get("log10stdev")) : flat(params.get("var"));
        for (int i = 0; i < n; i++) {
            double var = bn.isUseLogStd() ? Math.pow(Math.pow(10.0, raw[i]), 2) : raw[i];
            double std = Math.sqrt(var + bn.getEps());
            scale[i] = gamma[i] / std;
            shift[i] = beta[i] - mean[i] * scale[i];
        }
        return new double[][] {scale, shift};
    }

    private static double[] flat(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    /** The twin: the inference function as a network without batch normalisation or dropout. */
    public MultiLayerNetwork inferenceNetwork() {
        return twin;
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int inputSize() {
        return inputSize;
    }

    /** Probabilities of the trained network in inference mode. */
    @Override
    public float[][] probabilities(float[][] images) {
        return rows(source.output(matrix(images), false), images.length);
    }

    @Override
    public float[][] lossGradient(float[][] images, int[] labels) {
        return rows(inputGradient(matrix(images), oneHot(labels, classes)), images.length);
    }

    /** d loss_i / d x_i of the inference network for one-hot {@code labels}. */
    public INDArray inputGradient(INDArray x, INDArray labels) {
        return twin.calculateGradients(x, labels, null, null).getSecond();
    }

    /** {@code rows} as a float32 {@code [N, D]} array. */
    public static INDArray matrix(float[][] rows) {
        return Nd4j.create(rows).castTo(DataType.FLOAT);
    }

    /** One-hot float32 {@code [N, classes]}. */
    public static INDArray oneHot(int[] labels, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, labels.length, classes);
        for (int i = 0; i < labels.length; i++) {
            y.putScalar(i, labels[i], 1.0);
        }
        return y;
    }

    static float[][] rows(INDArray a, int n) {
        float[] flat = a.dup('c').castTo(DataType.FLOAT).data().asFloat();
        int d = flat.length / n;
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = java.util.Arrays.copyOfRange(flat, i * d, (i + 1) * d);
        }
        return out;
    }
}
