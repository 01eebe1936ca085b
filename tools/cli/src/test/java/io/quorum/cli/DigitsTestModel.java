package io.quorum.cli;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.testing.TestData;
import io.quorum.training.export.GradientExporter;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
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
 * A real digits model for the CLI tests, made as the trainer makes one: a DL4J network (784-64 ReLU-10 softmax)
 * trained on the first 600 MNIST digits, its input-gradient graph exported by the trainer's {@link GradientExporter},
 * and a {@code model.onnx} with the contract's {@code probabilities} and {@code features} (the hidden layer) outputs.
 * The held-out digits (images 6,000 onward) are written as IDX files.
 */
final class DigitsTestModel {

    private static Path dir;

    private DigitsTestModel() {
    }

    static synchronized Path dir() {
        if (dir == null) {
            try {
                dir = build();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    static Path modelDir() {
        return dir().resolve("model");
    }

    /** {@code [images, labels]} of 300 held-out digits. */
    static Path[] heldOut() {
        return new Path[] {dir().resolve("data/heldout-images-idx3-ubyte.gz"), dir().resolve("data/heldout-labels-idx1-ubyte.gz")};
    }

    private static Path build() throws IOException {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
        DigitSet mnist = DigitSets.load("mnist", DataDir.root());
        Path root = Files.createTempDirectory("quorum-digits-test-");
        root.toFile().deleteOnExit();
        int[] held = new int[300];
        for (int i = 0; i < held.length; i++) {
            held[i] = 6000 + i;
        }
        DigitSets.writeIdx(mnist.select(held, "heldout"), root.resolve("data"), "heldout");

        int n = 600;
        INDArray x = Nd4j.create(DataType.FLOAT, n, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 10);
        for (int i = 0; i < n; i++) {
            x.putRow(i, Nd4j.createFromArray(mnist.images()[i]));
            y.putScalar(i, mnist.labels()[i], 1.0);
        }
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).updater(new Adam(3e-3)).list()
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        DataSet ds = new DataSet(x, y);
        for (int epoch = 0; epoch < 40; epoch++) {
            for (DataSet b : ds.batchBy(100)) {
                net.fit(b);
            }
        }
        Map<String, String> meta = DigitClassifierSpec.properties(28, 28, DigitSets.DIGITS, "mnist");
        Path model = Files.createDirectories(root.resolve("model"));
        Files.write(model.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), GradientExporter.export(net, new long[] {784}, meta));

        OnnxGraph g = OnnxGraph.create("digits-mlp");
        String in = g.input(DigitClassifierSpec.INPUT, 784);
        String h = g.relu(g.gemm(in, weights(g, net, 0, "W"), weights(g, net, 0, "b")));
        g.output(h, DigitClassifierSpec.FEATURES, -1, 64);
        String p = g.softmax(g.gemm(h, weights(g, net, 1, "W"), weights(g, net, 1, "b")), 1);
        g.output(p, DigitClassifierSpec.OUTPUT, -1, 10);
        meta.forEach(g::metadata);
        g.write(model.resolve("model.onnx"));
        return root;
    }

    private static String weights(OnnxGraph g, MultiLayerNetwork net, int layer, String param) {
        INDArray a = net.getLayer(layer).paramTable().get(param);
        long[] shape = a.rank() == 2 && param.equals("b") ? new long[] {a.length()} : a.shape();
        return g.weights("l" + layer + param, a.dup('c').data().asFloat(), shape);
    }
}
