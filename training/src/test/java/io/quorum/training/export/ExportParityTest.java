package io.quorum.training.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.L2NormalizeVertex;
import org.deeplearning4j.nn.conf.graph.L2Vertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.StackVertex;
import org.deeplearning4j.nn.conf.graph.UnstackVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Every exported layer kind, and the Siamese and CNN shapes: DL4J and ONNX Runtime agree to 1e-4 or better. */
class ExportParityTest {

    private static final double TOL = 1e-5;

    private static MultiLayerNetwork trained(MultiLayerConfiguration conf, int nIn, int nOut, long... inputShape) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(5);
        long[] shape = new long[inputShape.length + 1];
        shape[0] = 64;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        INDArray x = Nd4j.randn(shape).muli(2).addi(0.5);
        INDArray y = Nd4j.zeros(64, nOut);
        for (int i = 0; i < 64; i++) {
            y.putScalar(i, i % nOut, 1.0);
        }
        for (int i = 0; i < 5; i++) {
            net.fit(new DataSet(x, y)); // moves weights and batch-norm running statistics away from their init
        }
        return net;
    }

    private static void assertParity(MultiLayerNetwork net, long... inputShape) throws Exception {
        byte[] onnx = Dl4jOnnxExporter.export(net, "x", inputShape, "y", Map.of());
        long[] shape = new long[inputShape.length + 1];
        shape[0] = 257;
        System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
        INDArray batch = Nd4j.randn(7, shape).muli(1.5);
        Parity.Result r = Parity.check(net, onnx, "x", "y", batch);
        assertThat(r.maxAbsDiff()).as("max |DL4J - ORT|").isLessThanOrEqualTo(TOL);
        assertThat(r.examples()).isEqualTo(257);
    }

    private static NeuralNetConfiguration.ListBuilder list() {
        return new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(0.05)).list();
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"RELU", "ELU", "SIGMOID", "TANH", "IDENTITY", "LEAKYRELU", "SOFTMAX"})
    void denseWithEachActivation(Activation activation) throws Exception {
        MultiLayerNetwork net = trained(list()
                .layer(new DenseLayer.Builder().nIn(12).nOut(9).activation(activation).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(12)).build(), 12, 3, 12);
        assertParity(net, 12);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void batchNormalizationInBothParameterisations(boolean logStd) throws Exception {
        MultiLayerNetwork net = trained(list()
                .layer(new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().useLogStd(logStd).decay(0.5).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new DropoutLayer.Builder(0.7).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.feedForward(10)).build(), 10, 1, 10);
        INDArray mean = net.getLayer(1).getParam("mean");
        assertThat(mean.amaxNumber().doubleValue()).as("running mean moved").isGreaterThan(0.01);
        assertParity(net, 10);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void batchNormalizationWhereEpsilonMatters(boolean logStd) throws Exception {
        MultiLayerNetwork net = trained(list()
                .layer(new DenseLayer.Builder().nIn(10).nOut(8).activation(Activation.IDENTITY)
                        .weightInit(new org.deeplearning4j.nn.weights.WeightInitNormal()).build())
                .layer(new BatchNormalization.Builder().useLogStd(logStd).eps(1e-3).decay(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(1).activation(Activation.SIGMOID).build())
                .setInputType(InputType.feedForward(10)).build(), 10, 1, 10);
        // running variances well below eps: any mishandling of eps shows
        net.getLayer(1).getParam(logStd ? "log10stdev" : "var").assign(logStd ? Math.log10(Math.sqrt(1e-5)) : 1e-5);
        net.getLayer(0).getParam("W").muli(1e-3);
        assertParity(net, 10);
    }

    @Test
    void dilatedConvolutionPoolingAndFlattenOnMnistShapes() throws Exception {
        MultiLayerNetwork net = trained(list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).dilation(2, 2).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().decay(0.5).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same).stride(2, 2)
                        .activation(Activation.ELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(1, 1)
                        .padding(1, 1).build())
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build(), 784, 10, 784);
        assertParity(net, 784);
    }

    @Test
    void siameseTowersWithResidualConcatAndDistanceShareOneCopyOfTheWeights() throws Exception {
        var conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(0.05)).graphBuilder()
                .addInputs("left", "right")
                .addVertex("stack", new StackVertex(), "left", "right")
                .addLayer("d1", new DenseLayer.Builder().nIn(16).nOut(12).activation(Activation.IDENTITY).build(), "stack")
                .addLayer("bn1", new BatchNormalization.Builder().decay(0.5).build(), "d1")
                .addLayer("a1", new ActivationLayer.Builder().activation(Activation.RELU).build(), "bn1")
                .addLayer("d2", new DenseLayer.Builder().nIn(12).nOut(12).activation(Activation.IDENTITY).build(), "a1")
                .addLayer("bn2", new BatchNormalization.Builder().decay(0.5).build(), "d2")
                .addVertex("res", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2", "a1")
                .addLayer("a2", new ActivationLayer.Builder().activation(Activation.RELU).build(), "res")
                .addVertex("cat", new MergeVertex(), "a1", "a2")
                .addVertex("ua", new UnstackVertex(0, 2), "cat")
                .addVertex("ub", new UnstackVertex(1, 2), "cat")
                .addVertex("dist", new L2Vertex(), "ua", "ub")
                .addVertex("na", new L2NormalizeVertex(), "ua")
                .addVertex("nb", new L2NormalizeVertex(), "ub")
                .addVertex("prod", new ElementWiseVertex(ElementWiseVertex.Op.Product), "na", "nb")
                .addVertex("feat", new MergeVertex(), "dist", "prod")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(25).nOut(1)
                        .activation(Activation.SIGMOID).build(), "feat")
                .setOutputs("out").setInputTypes(InputType.feedForward(16), InputType.feedForward(16)).build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        Nd4j.getRandom().setSeed(9);
        INDArray l = Nd4j.randn(64, 16);
        INDArray r = Nd4j.randn(64, 16);
        INDArray y = Nd4j.rand(64, 1).gt(0.5).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        for (int i = 0; i < 5; i++) {
            net.fit(new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {l, r}, new INDArray[] {y}));
        }
        byte[] onnx = Dl4jOnnxExporter.export(net, Map.of("left", new long[] {16}, "right", new long[] {16}),
                Map.of("out", "probability"), Map.of("quorum.threshold", "0.5"));
        Parity.Result result = Parity.check(net, onnx, Map.of("left", Nd4j.randn(300, 16), "right", Nd4j.randn(300, 16)),
                "out", "probability");
        assertThat(result.maxAbsDiff()).isLessThanOrEqualTo(TOL);
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            assertThat(s.signature().inputs()).extracting(t -> t.name()).containsExactly("left", "right");
            assertThat(s.signature().outputs()).extracting(t -> t.name()).containsExactly("probability");
            assertThat(s.metadata()).containsEntry("quorum.threshold", "0.5");
        }
        // one copy of the tower weights: the model is about the size of its parameters, not twice
        long params = net.numParams();
        assertThat((long) onnx.length).isLessThan(params * 4 + 12_000);
    }

    @Test
    void unsupportedLayersFailClearly() {
        MultiLayerNetwork net = new MultiLayerNetwork(list()
                .layer(new org.deeplearning4j.nn.conf.layers.LSTM.Builder().nIn(3).nOut(2).build())
                .layer(new org.deeplearning4j.nn.conf.layers.RnnOutputLayer.Builder().nOut(2).build()).build());
        net.init();
        assertThatThrownBy(() -> Dl4jOnnxExporter.export(net, "x", new long[] {3}, "y", Map.of()))
                .isInstanceOf(ExportException.class).hasMessageContaining("LSTM");
        assertThat(List.of()).isEmpty();
    }
}
