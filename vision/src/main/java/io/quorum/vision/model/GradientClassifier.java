package io.quorum.vision.model;

/**
 * A classifier whose input gradient is known: a white-box target. {@link #lossGradient} is d loss_i / d x_i of the
 * per-example cross-entropy {@code loss_i = -log p(y_i | x_i)} with respect to image {@code i}.
 */
public interface GradientClassifier extends Classifier {

    /** The gradient of each image's cross-entropy for its label {@code labels[i]}. */
    float[][] lossGradient(float[][] images, int[] labels);

    /** The probabilities of some images and the gradient of their cross-entropy. */
    record ProbabilitiesAndGradient(float[][] probabilities, float[][] gradient) {
    }

    /**
     * {@link #probabilities} and {@link #lossGradient} of the same images; one model call where the gradient graph
     * also outputs the probabilities (as an exported {@code gradient.onnx} does), two otherwise.
     */
    default ProbabilitiesAndGradient probabilitiesAndGradient(float[][] images, int[] labels) {
        return new ProbabilitiesAndGradient(probabilities(images), lossGradient(images, labels));
    }
}
