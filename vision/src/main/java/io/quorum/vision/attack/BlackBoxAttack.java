package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;
import java.util.Random;

/** An attack that only sees the target's output probabilities (queries count). */
public interface BlackBoxAttack {

    /** {@code genetic}, {@code fooling}. */
    String name();

    /**
     * The adversarial version of every image. {@code images} and {@code labels} are the clean inputs; an attack that
     * starts from noise (fooling images) uses only their count and {@code params.target()}.
     */
    Outcome run(Classifier model, float[][] images, int[] labels, AttackParams params, Random rnd);
}
