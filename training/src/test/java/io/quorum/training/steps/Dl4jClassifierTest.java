package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.training.export.GradientExporter;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The DL4J adapter's input gradient is the gradient of the inference network (running batch-norm statistics, no
 * dropout): checked against central finite differences of DL4J's own inference output in double precision, and against
 * the exported gradient graph on ONNX Runtime.
 */
class Dl4jClassifierTest {

    static final int SIDE = 10;
    static final InputType INPUT = InputType.convolutionalFlat(SIDE, SIDE, 1);

    /** conv -> BN -> ReLU -> max pool -> dropout -> dense -> BN -> ReLU -> dropout -> softmax: every folded case. */
    static MultiLayerNetwork trainedNetwork(DataType type, boolean logStd) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(type).updater(new Adam(0.01)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().eps(1e-3).useLogStd(logStd).decay(0.5).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DropoutLayer.Builder(0.7).build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().eps(1e-3).useLogStd(logStd).decay(0.5).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new DropoutLayer.Builder(0.6).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(INPUT).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(type, 64, SIDE * SIDE);
        INDArray y = Dl4jClassifier.oneHot(labels(64), 3).castTo(type);
        for (int i = 0; i < 8; i++) {
            net.fit(new DataSet(x, y)); // running statistics and weights move away from their initial values
        }
        return net;
    }

    static int[] labels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = (i * 7) % 3;
        }
        return y;
    }

    @Test
    void theGradientIsTheInferenceNetworksByFiniteDifferences() {
        for (boolean logStd : new boolean[] {false, true}) {
            MultiLayerNetwork net = trainedNetwork(DataType.DOUBLE, logStd);
            Dl4jClassifier c = new Dl4jClassifier(net, INPUT);
            Nd4j.getRandom().setSeed(9);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 4, SIDE * SIDE);
            int[] y = labels(4);
            INDArray grad = c.inputGradient(x, Dl4jClassifier.oneHot(y, 3).castTo(DataType.DOUBLE));
            // the twin computes the same function as the trained network at inference
            assertThat(c.inferenceNetwork().output(x, false).sub(net.output(x, false)).amaxNumber().doubleValue())
                    .isLessThan(1e-10);
            double h = 1e-6;
            double maxAbs = 0;
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < SIDE * SIDE; j++) {
                    INDArray plus = x.getRow(i).dup().reshape(1, SIDE * SIDE);
                    INDArray minus = plus.dup();
                    plus.putScalar(0, j, plus.getDouble(0, j) + h);
                    minus.putScalar(0, j, minus.getDouble(0, j) - h);
                    double numeric = (-Math.log(net.output(plus, false).getDouble(0, y[i]))
                            + Math.log(net.output(minus, false).getDouble(0, y[i]))) / (2 * h);
                    maxAbs = Math.max(maxAbs, Math.abs(numeric));
                    assertThat(grad.getDouble(i, j)).as("logStd=%s d loss_%d / d x_%d", logStd, i, j)
                            .isCloseTo(numeric, Offset.offset(1e-6 + 1e-4 * Math.abs(numeric)));
                }
            }
            assertThat(maxAbs).as("gradients are not trivially zero").isGreaterThan(1e-3);
        }
    }

    @Test
    void theGradientEqualsTheExportedGradientGraphAndFollowsTraining() throws Exception {
        MultiLayerNetwork net = trainedNetwork(DataType.FLOAT, true);
        Dl4jClassifier c = new Dl4jClassifier(net, INPUT);
        Nd4j.getRandom().setSeed(10);
        float[][] x = Dl4jClassifier.rows(Nd4j.rand(DataType.FLOAT, 32, SIDE * SIDE), 32);
        int[] y = labels(32);
        assertMatchesExport(net, c, x, y);
        assertThat(c.classes()).isEqualTo(3);
        assertThat(c.inputSize()).isEqualTo(SIDE * SIDE);

        // after more training the twin is stale until refreshed, then matches again
        float[][] before = c.lossGradient(x, y);
        INDArray bx = Nd4j.rand(DataType.FLOAT, 64, SIDE * SIDE);
        for (int i = 0; i < 5; i++) {
            net.fit(new DataSet(bx, Dl4jClassifier.oneHot(labels(64), 3)));
        }
        assertThat(c.lossGradient(x, y)).isEqualTo(before);
        c.refresh();
        assertThat(c.lossGradient(x, y)).isNotEqualTo(before);
        assertMatchesExport(net, c, x, y);
    }

    private static void assertMatchesExport(MultiLayerNetwork net, Dl4jClassifier c, float[][] x, int[] y) throws Exception {
        byte[] gradient = GradientExporter.export(net, new long[] {SIDE * SIDE}, Map.of());
        float[][] expected;
        float[][] probs;
        try (OnnxSession s = OnnxSession.open(gradient, InferenceOptions.cpu(1))) {
            var out = s.run(Map.of(GradientExporter.INPUT, FloatTensor.matrix(x), GradientExporter.LABELS,
                    FloatTensor.matrix(Dl4jClassifier.rows(Dl4jClassifier.oneHot(y, 3), y.length))));
            expected = ((FloatTensor) out.get(GradientExporter.GRADIENT)).rows();
            probs = ((FloatTensor) out.get(GradientExporter.PROBABILITIES)).rows();
        }
        float[][] actual = c.lossGradient(x, y);
        float[][] p = c.probabilities(x);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                assertThat(actual[i][j]).isCloseTo(expected[i][j], Offset.offset(1e-5f));
            }
            for (int k = 0; k < 3; k++) {
                assertThat(p[i][k]).isCloseTo(probs[i][k], Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void batchNormAfterANonLinearLayerIsRefused() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(5)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        assertThatThrownBy(() -> new Dl4jClassifier(net, InputType.feedForward(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("identity activation");
    }
}
