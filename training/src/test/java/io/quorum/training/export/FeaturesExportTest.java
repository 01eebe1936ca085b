package io.quorum.training.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The exported {@code features} output is DL4J's last hidden layer: flat ([N, F]) after a convolution or a dense layer. */
class FeaturesExportTest {

    private static MultiLayerNetwork trained(NeuralNetConfiguration.ListBuilder layers) {
        MultiLayerConfiguration conf = layers.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                .activation(Activation.SOFTMAX).build()).setInputType(InputType.convolutionalFlat(12, 12, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(6);
        INDArray x = Nd4j.rand(DataType.FLOAT, 32, 144);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 32, 4);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, i % 4, 1.0);
        }
        for (int i = 0; i < 4; i++) {
            net.fit(new DataSet(x, y));
        }
        return net;
    }

    private static void assertFeatures(MultiLayerNetwork net, long width) throws Exception {
        byte[] onnx = Dl4jOnnxExporter.export(net, "x", new long[] {144}, "probabilities", "features", Map.of("k", "v"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 50, 144);
        int last = net.getnLayers() - 1;
        INDArray hidden = net.feedForwardToLayer(last - 1, x, false).get(last);
        INDArray expected = hidden.dup('c').reshape('c', 50, -1);
        assertThat(expected.size(1)).isEqualTo(width);
        Parity.Result features = Parity.check(expected, onnx, Map.of("x", x), "features");
        assertThat(features.maxAbsDiff()).isLessThanOrEqualTo(1e-5);
        assertThat(features.values()).isEqualTo(50 * width);
        assertThat(Parity.check(net, onnx, "x", "probabilities", x).maxAbsDiff()).isLessThanOrEqualTo(1e-5);
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            assertThat(s.signature().output("features").orElseThrow().dim(1)).isEqualTo(width);
            assertThat(s.metadata()).containsEntry("k", "v");
        }
    }

    @Test
    void featuresAfterAConvolutionAreItsFlattenedChannels() throws Exception {
        assertFeatures(trained(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.01)).list()
                .layer(new ConvolutionLayer.Builder(4, 4).stride(2, 2).nOut(5).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).activation(Activation.RELU).build())), 6 * 4 * 4);
    }

    @Test
    void featuresAfterDenseBatchNormAndDropoutAreTheInferenceActivations() throws Exception {
        assertFeatures(trained(new NeuralNetConfiguration.Builder().seed(2).updater(new Adam(0.01)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(9).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().eps(1e-3).build())
                .layer(new DropoutLayer.Builder(0.5).build())), 9);
    }
}
