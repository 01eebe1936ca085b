package io.quorum.training.steps;

import io.quorum.training.api.JobContext;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Logistic regression in DL4J: one sigmoid unit, binary cross-entropy, Adam and L2, fitted by minibatches in a seeded
 * order on some rows of a feature matrix. The features are standardised while training and the standardisation is
 * then folded into the weights, so the fitted {@link #network()} takes raw features: it exports to ONNX as it is and
 * serves the features as they are sent.
 */
public final class LogisticRegression {

    /**
     * @param epochs passes over the rows
     * @param batch  minibatch size
     * @param lr     Adam learning rate
     * @param l2     L2 weight decay
     */
    public record Settings(int epochs, int batch, double lr, double l2) {
    }

    /** Per-feature mean and standard deviation (at least 1e-6) over the training rows. */
    public record Standardization(double[] mean, double[] std) {

        public static Standardization of(float[][] x, int[] rows) {
            int k = x[rows[0]].length;
            double[] mean = new double[k];
            double[] std = new double[k];
            for (int i : rows) {
                for (int j = 0; j < k; j++) {
                    mean[j] += x[i][j] / (double) rows.length;
                }
            }
            for (int i : rows) {
                for (int j = 0; j < k; j++) {
                    std[j] += Math.pow(x[i][j] - mean[j], 2) / rows.length;
                }
            }
            for (int j = 0; j < k; j++) {
                std[j] = Math.max(Math.sqrt(std[j]), 1e-6);
            }
            return new Standardization(mean, std);
        }
    }

    private final MultiLayerNetwork net;

    private LogisticRegression(MultiLayerNetwork net) {
        this.net = net;
    }

    /**
     * Fits on rows {@code rows} of {@code x} with labels {@code y} (indexed like {@code x}). The network and the
     * minibatch order are seeded with the job's seed; every epoch is reported to {@code ctx} (where a cancellation
     * takes effect).
     */
    public static LogisticRegression fit(float[][] x, int[] y, int[] rows, Settings settings, JobContext ctx) {
        Standardization std = Standardization.of(x, rows);
        MultiLayerNetwork net = network(x[rows[0]].length, settings.lr(), settings.l2(), ctx.seed());
        INDArray trainX = matrix(x, rows, std);
        INDArray trainY = labels(y, rows);
        Random rnd = new Random(ctx.seed());
        long step = 0;
        for (int epoch = 0; epoch < settings.epochs(); epoch++) {
            int[] order = PairSplits.permutation(rows.length, rnd);
            for (int from = 0; from < order.length; from += settings.batch()) {
                int[] part = Arrays.copyOfRange(order, from, Math.min(order.length, from + settings.batch()));
                net.fit(new DataSet(trainX.getRows(part), trainY.getRows(part)));
                step++;
            }
            ctx.progress(epoch + 1, settings.epochs(), step, net.score(), 0, -1, Map.of(), null);
        }
        fold(net, std);
        return new LogisticRegression(net);
    }

    /** The fitted network: raw features in ({@code [N, k]}), probabilities out ({@code [N, 1]}). */
    public MultiLayerNetwork network() {
        return net;
    }

    /** Probabilities of rows {@code rows} of {@code x} (raw features). */
    public double[] predict(float[][] x, int[] rows) {
        return predict(matrix(x, rows));
    }

    /** Probabilities of the rows of {@code x} (raw features). */
    public double[] predict(INDArray x) {
        return net.output(x).reshape(-1).toDoubleVector();
    }

    /** Rows {@code rows} of {@code x} as a float32 matrix, the network's input (for its export and parity check). */
    public static INDArray matrix(float[][] x, int[] rows) {
        return matrix(x, rows, null);
    }

    static MultiLayerNetwork network(int features, double lr, double l2, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .updater(new Adam(lr))
                .l2(l2)
                .list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT)
                        .nIn(features).nOut(1).activation(Activation.SIGMOID).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * Folds the standardisation into the output layer, so the network takes raw features:
     * {@code w·(x - m)/s + b = (w/s)·x + (b - Σ w m / s)}.
     */
    static void fold(MultiLayerNetwork net, Standardization std) {
        INDArray w = net.getLayer(0).getParam("W");
        INDArray b = net.getLayer(0).getParam("b");
        double shift = 0;
        for (int j = 0; j < std.mean().length; j++) {
            double wj = w.getDouble(j, 0);
            shift += wj * std.mean()[j] / std.std()[j];
            w.putScalar(j, 0, wj / std.std()[j]);
        }
        b.putScalar(0, b.getDouble(0) - shift);
    }

    /** Rows of {@code x}, standardised with {@code std} when given. */
    static INDArray matrix(float[][] x, int[] rows, Standardization std) {
        float[][] out = new float[rows.length][];
        for (int r = 0; r < rows.length; r++) {
            float[] v = x[rows[r]].clone();
            if (std != null) {
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) ((v[j] - std.mean()[j]) / std.std()[j]);
                }
            }
            out[r] = v;
        }
        return Nd4j.create(out);
    }

    private static INDArray labels(int[] y, int[] rows) {
        float[][] out = new float[rows.length][1];
        for (int i = 0; i < rows.length; i++) {
            out[i][0] = y[rows[i]];
        }
        return Nd4j.create(out);
    }
}
