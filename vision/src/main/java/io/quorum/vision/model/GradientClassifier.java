package io.quorum.vision.model;

/**
 * A classifier whose input gradient is known: a white-box target. {@link #lossGradient} is d loss_i / d x_i of the
 * per-example cross-entropy {@code loss_i = -log p(y_i | x_i)} with respect to image {@code i}.
 */
public interface GradientClassifier extends Classifier {

    /** The gradient of each image's cross-entropy for its label {@code labels[i]}. */
    float[][] lossGradient(float[][] images, int[] labels);
}
