package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Platt scaling: recovers a known miscalibration, stays bounded on separable data, folds exactly into a sigmoid layer. */
class PlattCalibrationTest {

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void recoversTheScaleAndShiftOfAKnownMiscalibration() {
        // the model reports sigmoid(z); the truth is sigmoid(2z + 0.5): overconfident by half, and biased
        Random rnd = new Random(11);
        int n = 20_000;
        double[] p = new double[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double z = rnd.nextGaussian() * 1.5;
            p[i] = sigmoid(z);
            y[i] = rnd.nextDouble() < sigmoid(2 * z + 0.5) ? 1 : 0;
        }
        PlattCalibration c = PlattCalibration.fit(p, y);
        assertThat(c.scale()).isCloseTo(2.0, within(0.1));
        assertThat(c.shift()).isCloseTo(0.5, within(0.1));
        assertThat(c.apply(0.5)).isCloseTo(sigmoid(c.shift()), within(1e-12));
    }

    @Test
    void aCalibratedModelIsLeftAboutAsItIs() {
        Random rnd = new Random(5);
        int n = 20_000;
        double[] p = new double[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = sigmoid(rnd.nextGaussian() * 2);
            y[i] = rnd.nextDouble() < p[i] ? 1 : 0;
        }
        PlattCalibration c = PlattCalibration.fit(p, y);
        assertThat(c.scale()).isCloseTo(1.0, within(0.06));
        assertThat(c.shift()).isCloseTo(0.0, within(0.06));
    }

    @Test
    void fewRowsChangeNothingAndSeparableRowsStayBounded() {
        assertThat(PlattCalibration.fit(new double[] {0.2, 0.9}, new int[] {0, 1})).isEqualTo(PlattCalibration.IDENTITY);
        double[] p = new double[PlattCalibration.MIN_ROWS - 1];
        java.util.Arrays.fill(p, 0.3);
        assertThat(PlattCalibration.fit(p, new int[p.length])).isEqualTo(PlattCalibration.IDENTITY);

        // perfectly separated by 0.5: the likelihood alone would push the scale to infinity
        int n = 200;
        double[] sep = new double[n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            sep[i] = y[i] == 1 ? 0.6 + 0.3 * i / n : 0.4 - 0.3 * i / n;
        }
        PlattCalibration c = PlattCalibration.fit(sep, y);
        assertThat(c.scale()).isGreaterThan(1).isLessThanOrEqualTo(5);
        assertThat(c.shift()).isBetween(-10.0, 10.0);
    }

    @Test
    void foldedIntoASigmoidLayerTheNetworkGivesTheCalibratedProbabilities() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .list().layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(3).nOut(1)
                        .activation(Activation.SIGMOID).build()).build());
        net.init();
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 3).subi(0.5).muli(4);
        double[] before = net.output(x).reshape(-1).toDoubleVector();
        PlattCalibration c = new PlattCalibration(1.7, -0.4);
        c.foldInto(net.getLayer(0).getParam("W"), net.getLayer(0).getParam("b"));
        double[] after = net.output(x).reshape(-1).toDoubleVector();
        for (int i = 0; i < before.length; i++) {
            assertThat(after[i]).isCloseTo(c.apply(before[i]), within(1e-5));
        }
        PlattCalibration.IDENTITY.foldInto(net.getLayer(0).getParam("W"), net.getLayer(0).getParam("b"));
        assertThat(net.output(x).reshape(-1).toDoubleVector()).containsExactly(after);
    }
}
