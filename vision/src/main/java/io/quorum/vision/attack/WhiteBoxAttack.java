package io.quorum.vision.attack;

import io.quorum.vision.model.GradientClassifier;
import java.util.Random;

/** An attack that follows the target's input gradient. */
public interface WhiteBoxAttack {

    /** {@code fgsm}, {@code pgd}. */
    String name();

    /** The adversarial version of every image (for its label, or toward {@code params.target()}). */
    Outcome run(GradientClassifier model, float[][] images, int[] labels, AttackParams params, Random rnd);
}
