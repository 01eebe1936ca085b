package io.quorum.training.jobs;

import java.util.List;
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
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The image classifiers of the {@code digit-classifier} job, all taking flattened grayscale images
 * ({@code InputType.convolutionalFlat}) and ending in a softmax output layer with cross-entropy loss (what
 * {@code GradientExporter} differentiates).
 *
 * <ul>
 *   <li>{@code cleverhans}: the seed's network, the cleverhans MNIST tutorial CNN: conv 64 8x8 stride 2 (same), conv
 *       128 6x6 stride 2 (valid), conv 128 5x5 (valid), ReLU after each, dense 10 + softmax; Glorot-uniform weights
 *       (Keras' default), Adam. Its last hidden layer is the 128 channels of the third convolution.</li>
 *   <li>{@code vgg}: two VGG blocks (conv 32 3x3, conv 32 3x3, pool 2; conv 64 3x3, conv 64 3x3, pool 2),
 *       each convolution followed by batch normalisation and ReLU (average pooling: see the comment at the pooling layer),
 *       dropout after each block, a dense layer of 128
 *       with batch normalisation and ReLU, dropout, dense + softmax; He initialisation, Adam. Batch normalisation
 *       directly follows a linear layer everywhere, so the inference network folds into one without it
 *       ({@code Dl4jClassifier}).</li>
 * </ul>
 */
final class DigitNetworks {

    static final List<String> ARCHITECTURES = List.of("cleverhans", "vgg");

    private DigitNetworks() {
    }

    /**
     * @param lrDecay the learning rate is multiplied by this after every epoch (1: constant)
     * @param dropout the dropout rate after each convolution block of {@code vgg} (twice this, at most 0.5, after its
     *                dense layer); unused by {@code cleverhans}
     */
    static MultiLayerConfiguration configuration(String arch, int height, int width, int classes, double lr, double lrDecay,
                                                 double l2, double dropout, long seed) {
        var base = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.EPOCH, lr, lrDecay)));
        if (l2 > 0) {
            base.l2(l2);
        }
        NeuralNetConfiguration.ListBuilder b;
        switch (arch) {
            case "cleverhans" -> b = base.weightInit(WeightInit.XAVIER_UNIFORM).list()
                    .layer(new ConvolutionLayer.Builder(8, 8).stride(2, 2).nOut(64).convolutionMode(ConvolutionMode.Same)
                            .activation(Activation.RELU).build())
                    .layer(new ConvolutionLayer.Builder(6, 6).stride(2, 2).nOut(128).convolutionMode(ConvolutionMode.Truncate)
                            .activation(Activation.RELU).build())
                    .layer(new ConvolutionLayer.Builder(5, 5).stride(1, 1).nOut(128).convolutionMode(ConvolutionMode.Truncate)
                            .activation(Activation.RELU).build());
            case "vgg" -> {
                b = base.weightInit(WeightInit.RELU).list();
                for (int block = 0; block < 2; block++) {
                    int channels = 32 << block;
                    for (int k = 0; k < 2; k++) {
                        b.layer(new ConvolutionLayer.Builder(3, 3).nOut(channels).convolutionMode(ConvolutionMode.Same)
                                .activation(Activation.IDENTITY).build());
                        b.layer(batchNorm());
                        b.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
                    }
                    // average, not max, pooling: in blank image regions a max-pool window holds values equal up to float
                    // rounding, so DL4J and ONNX Runtime break those near-ties differently and the exported input
                    // gradient would differ from DL4J's there (max |diff| ~0.04 measured); average pooling has one gradient
                    b.layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build());
                    if (dropout > 0) {
                        b.layer(new DropoutLayer.Builder(1 - dropout).build());
                    }
                }
                b.layer(new DenseLayer.Builder().nOut(128).activation(Activation.IDENTITY).build());
                b.layer(batchNorm());
                b.layer(new ActivationLayer.Builder().activation(Activation.RELU).build());
                if (dropout > 0) {
                    b.layer(new DropoutLayer.Builder(1 - Math.min(0.5, 2 * dropout)).build());
                }
            }
            default -> throw new IllegalArgumentException("unknown architecture " + arch + "; known: " + ARCHITECTURES);
        }
        return b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER_UNIFORM).build())
                .setInputType(inputType(height, width)).build();
    }

    static InputType inputType(int height, int width) {
        return InputType.convolutionalFlat(height, width, 1);
    }

    /**
     * Batch norm with Keras' epsilon (1e-3) rather than DL4J's 1e-5: a channel whose running variance is tiny would
     * otherwise divide float32 rounding differences by ~3e-3 and push the ONNX export past its parity bound.
     */
    private static BatchNormalization batchNorm() {
        return new BatchNormalization.Builder().eps(1e-3).build();
    }
}
