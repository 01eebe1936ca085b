package io.quorum.training.selfai;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * DL4J networks of a {@link TinyDarknet}: input NCHW {@code [N, 3, S, S]} (RGB scaled to {@code v/255 - 0.5}), the
 * blocks (convolutions "same" with ELU, max pools "truncate"), a global average pool, then either the Siamese loss
 * ({@link PairedHingeL1Loss} on the features) or the score head (dense 1, identity, {@link HuberLoss}). Weights move
 * between networks through {@link Weights}.
 */
public final class SelfaiNetworks {

    /** The two heads. */
    public enum Head { SIAMESE, SCORE }

    private SelfaiNetworks() {
    }

    /**
     * @param lossParam the Siamese margin or the Huber delta
     */
    public static MultiLayerNetwork build(TinyDarknet a, Head head, double lr, double lossParam, long seed) {
        var lb = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT).updater(new Adam(lr))
                .weightInit(WeightInit.RELU).list();
        int in = 3;
        for (TinyDarknet.Block b : a.blocks()) {
            if (b instanceof TinyDarknet.Conv c) {
                lb.layer(new ConvolutionLayer.Builder(c.kernel(), c.kernel()).dilation(c.dilation(), c.dilation())
                        .nIn(in).nOut(c.out()).convolutionMode(ConvolutionMode.Same).activation(Activation.ELU).build());
                in = c.out();
            } else {
                lb.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .convolutionMode(ConvolutionMode.Truncate).build());
            }
        }
        int side = a.finalSide();
        lb.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(side, side).stride(side, side)
                .convolutionMode(ConvolutionMode.Truncate).build());
        if (head == Head.SIAMESE) {
            lb.layer(new LossLayer.Builder(new PairedHingeL1Loss(lossParam)).activation(Activation.IDENTITY).build());
        } else {
            lb.layer(new OutputLayer.Builder(new HuberLoss(lossParam)).nOut(1).activation(Activation.IDENTITY)
                    .weightInit(WeightInit.XAVIER).build());
        }
        MultiLayerConfiguration conf = lb.setInputType(InputType.convolutional(a.size(), a.size(), 3)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** A network with these weights (the head's too, when the head is a score and the weights have one). */
    public static MultiLayerNetwork build(TinyDarknet a, Weights w, Head head, double lr, double lossParam, long seed) {
        MultiLayerNetwork net = build(a, head, lr, lossParam, seed);
        set(net, a, w);
        return net;
    }

    /** Copies {@code w} into {@code net} (built for {@code a}). */
    public static void set(MultiLayerNetwork net, TinyDarknet a, Weights w) {
        for (int i = 0; i < a.blocks().size(); i++) {
            if (a.blocks().get(i) instanceof TinyDarknet.Conv) {
                Layer l = net.getLayer(i);
                put(l, "W", w.w().get(i));
                put(l, "b", w.b().get(i));
            }
        }
        int headIndex = a.blocks().size() + 1;
        if (w.hasHead() && net.getLayer(headIndex).numParams() > 0) {
            put(net.getLayer(headIndex), "W", w.headW());
            put(net.getLayer(headIndex), "b", new float[] {w.headB()});
        }
    }

    private static void put(Layer l, String key, float[] data) {
        INDArray p = l.getParam(key);
        if (p.length() != data.length) {
            throw new IllegalArgumentException("parameter " + key + " has " + p.length() + " values, given " + data.length);
        }
        p.assign(Nd4j.create(data, p.shape(), 'c').castTo(p.dataType()));
    }

    /** The weights of {@code net} (built for {@code a}). */
    public static Weights get(MultiLayerNetwork net, TinyDarknet a) {
        List<float[]> w = new ArrayList<>();
        List<float[]> b = new ArrayList<>();
        for (int i = 0; i < a.blocks().size(); i++) {
            if (a.blocks().get(i) instanceof TinyDarknet.Conv) {
                Map<String, INDArray> t = net.getLayer(i).paramTable();
                w.add(Losses.floats(t.get("W")));
                b.add(Losses.floats(t.get("b")));
            } else {
                w.add(null);
                b.add(null);
            }
        }
        Layer head = net.getLayer(a.blocks().size() + 1);
        if (head.numParams() > 0) {
            return new Weights(w, b, Losses.floats(head.getParam("W")), Losses.floats(head.getParam("b"))[0]);
        }
        return new Weights(w, b, null, 0f);
    }

    /** The features (global average pool output, {@code [N, F]}) of {@code x} in inference mode. */
    public static INDArray features(MultiLayerNetwork net, TinyDarknet a, INDArray x) {
        int pool = a.blocks().size();
        INDArray f = net.feedForwardToLayer(pool, x, false).get(pool + 1);
        return f.reshape('c', f.size(0), f.length() / f.size(0));
    }
}
