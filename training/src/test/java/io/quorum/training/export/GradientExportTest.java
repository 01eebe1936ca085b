package io.quorum.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.inference.Tensor;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
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

/** The exported gradient graph equals DL4J's input gradients (and finite differences where DL4J trains BN). */
class GradientExportTest {

    private static INDArray oneHot(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 7) % classes, 1.0);
        }
        return y;
    }

    private static Map<String, Tensor> run(byte[] onnx, INDArray x, INDArray y) throws Exception {
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(2))) {
            return s.run(Map.of(GradientExporter.INPUT, Parity.tensor(x), GradientExporter.LABELS, Parity.tensor(y)));
        }
    }

    @Test
    void cnnGradientEqualsDl4jOnALargeBatch() throws Exception {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).updater(new Adam(0.01)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).dilation(2, 2).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same).stride(2, 2)
                        .activation(Activation.ELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(3, 3).stride(2, 2)
                        .padding(1, 1).build())
                .layer(new DenseLayer.Builder().nOut(20).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, 512, 784);
        INDArray y = oneHot(512, 10);
        for (int i = 0; i < 3; i++) {
            net.fit(new DataSet(x, y));
        }
        byte[] onnx = GradientExporter.export(net, new long[] {784}, Map.of());
        Map<String, Tensor> out = run(onnx, x, y);

        INDArray dl4j = net.calculateGradients(x, y, null, null).getSecond();
        float[] expected = dl4j.dup('c').data().asFloat();
        float[] actual = ((FloatTensor) out.get(GradientExporter.GRADIENT)).data();
        assertThat(actual).hasSameSizeAs(expected);
        double maxDiff = 0;
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
        }
        assertThat(maxAbs).as("gradients are not trivially zero").isGreaterThan(1e-3);
        assertThat(maxDiff).as("max |DL4J - ONNX| over 512 x 784 input gradients").isLessThanOrEqualTo(1e-5);

        float[] probs = ((FloatTensor) out.get(GradientExporter.PROBABILITIES)).data();
        float[] dl4jProbs = net.output(x, false).dup('c').data().asFloat();
        for (int i = 0; i < probs.length; i++) {
            assertThat((double) probs[i]).isCloseTo(dl4jProbs[i], org.assertj.core.data.Offset.offset(1e-5));
        }
        float[] loss = ((FloatTensor) out.get(GradientExporter.LOSS)).data();
        double mean = 0;
        for (float l : loss) {
            mean += l / loss.length;
        }
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        assertThat(mean).as("mean per-example loss equals DL4J's score").isCloseTo(net.score(), org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    void batchNormGradientIsTheInferenceGradient() throws Exception {
        // DL4J differentiates batch norm with batch statistics (training mode); the deployed model uses running
        // statistics, so the reference here is a central difference of DL4J's inference output in double precision
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.DOUBLE)
                .updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(20).nOut(16).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().decay(0.5).build())
                .layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(20)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 256, 20);
        INDArray y = oneHot(256, 4).castTo(DataType.DOUBLE);
        for (int i = 0; i < 5; i++) {
            net.fit(new DataSet(x, y));
        }
        byte[] onnx = GradientExporter.export(net, new long[] {20}, Map.of());
        INDArray probe = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8), org.nd4j.linalg.indexing.NDArrayIndex.all());
        INDArray labels = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8), org.nd4j.linalg.indexing.NDArrayIndex.all());
        float[] grad = ((FloatTensor) run(onnx, probe.castTo(DataType.FLOAT), labels.castTo(DataType.FLOAT))
                .get(GradientExporter.GRADIENT)).data();
        double h = 1e-5;
        for (int i = 0; i < 8; i++) {
            for (int j = 0; j < 20; j++) {
                INDArray plus = probe.getRow(i).dup().reshape(1, 20);
                INDArray minus = plus.dup();
                plus.putScalar(0, j, plus.getDouble(0, j) + h);
                minus.putScalar(0, j, minus.getDouble(0, j) - h);
                int label = (i * 7) % 4;
                double lp = -Math.log(net.output(plus, false).getDouble(0, label));
                double lm = -Math.log(net.output(minus, false).getDouble(0, label));
                double numeric = (lp - lm) / (2 * h);
                assertThat((double) grad[i * 20 + j]).as("d loss_%d / d x_%d", i, j)
                        .isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-4 + 1e-3 * Math.abs(numeric)));
            }
        }
    }
}
