package io.quorum.vision.attack;

/**
 * What an attack made: one adversarial image per input, and how many model evaluations each took.
 *
 * @param adversarial the images, flattened, in [0, 1]
 * @param queries     model evaluations per image (gradient or probability calls)
 */
public record Outcome(float[][] adversarial, long[] queries) {
}
