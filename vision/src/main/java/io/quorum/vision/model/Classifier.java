package io.quorum.vision.model;

/**
 * An image classifier as attacks and evaluations see it: class probabilities of flattened images in [0, 1]. A
 * black-box attack may only call this, and each image passed counts as one query.
 */
public interface Classifier {

    /** Classes it tells apart. */
    int classes();

    /** Pixels per image it takes. */
    int inputSize();

    /** Class probabilities of each image. */
    float[][] probabilities(float[][] images);

    /** The most probable class of each row of {@code probabilities}. */
    static int[] argmax(float[][] probabilities) {
        int[] out = new int[probabilities.length];
        for (int i = 0; i < probabilities.length; i++) {
            int best = 0;
            for (int c = 1; c < probabilities[i].length; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            out[i] = best;
        }
        return out;
    }
}
