package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;

/**
 * What an attack made: one adversarial image per input, and how many model evaluations each took.
 *
 * @param adversarial the images, flattened, in [0, 1]
 * @param queries     model evaluations per image (gradient or probability calls)
 * @param cleanProbabilities the crafting model's probabilities of the clean images when the attack obtained them on
 *                    the way (FGSM's gradient call computes them), else null; {@link AttackReport} scores the clean
 *                    images with them instead of another forward pass when it scores on that same model
 * @param craftedOn   the model {@code cleanProbabilities} come from (null with them)
 */
public record Outcome(float[][] adversarial, long[] queries, float[][] cleanProbabilities, Classifier craftedOn) {

    public Outcome {
        if ((cleanProbabilities == null) != (craftedOn == null)) {
            throw new IllegalArgumentException("clean probabilities come with the model they were computed on");
        }
        if (cleanProbabilities != null && cleanProbabilities.length != adversarial.length) {
            throw new IllegalArgumentException(cleanProbabilities.length + " clean probability rows for "
                    + adversarial.length + " images");
        }
    }

    /** An outcome without the clean images' probabilities. */
    public Outcome(float[][] adversarial, long[] queries) {
        this(adversarial, queries, null, null);
    }

    /** The clean images' probabilities on {@code model} when this outcome holds them for it (the same instance), else null. */
    public float[][] cleanProbabilitiesOn(Classifier model) {
        return model != null && model == craftedOn ? cleanProbabilities : null;
    }
}
