package io.quorum.adversarial;

import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.BlackBoxAttack;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.model.Classifier;
import java.util.Random;

/** Attacks that misbehave on purpose, for the service's tests (the real ones come from the vision library). */
final class TestAttacks {

    private TestAttacks() {
    }

    /** Fails on any batch holding an image whose first pixel is {@link #POISON}: a bug isolated to one request. */
    static final class Poisoned implements BlackBoxAttack {
        static final float POISON = 0.123f;

        @Override
        public String name() {
            return "poisoned";
        }

        @Override
        public Outcome run(Classifier model, float[][] images, int[] labels, AttackParams p, Random rnd) {
            long[] queries = new long[images.length];
            for (float[] x : images) {
                if (x[0] == POISON) {
                    throw new IllegalStateException("poisoned image");
                }
            }
            java.util.Arrays.fill(queries, 1);
            model.probabilities(images);
            return new Outcome(images.clone(), queries);
        }
    }
}
