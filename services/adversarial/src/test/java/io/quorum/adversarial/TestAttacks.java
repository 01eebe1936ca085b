package io.quorum.adversarial;

import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.BlackBoxAttack;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.attack.Perturbation;
import io.quorum.vision.model.Classifier;
import java.util.Random;

/**
 * Small black-box attacks for the service's tests, standing in for the library's genetic attack and fooling images
 * while those are written elsewhere: they use only the target's probabilities and count their queries, which is all
 * the service relies on.
 */
final class TestAttacks {

    private TestAttacks() {
    }

    /** Random sign perturbations of size eps, one query each, until the prediction leaves the label or the budget ends. */
    static final class RandomSearch implements BlackBoxAttack {
        @Override
        public String name() {
            return "random-search";
        }

        @Override
        public Outcome run(Classifier model, float[][] images, int[] labels, AttackParams p, Random rnd) {
            float[][] out = new float[images.length][];
            long[] queries = new long[images.length];
            for (int i = 0; i < images.length; i++) {
                float[] best = images[i].clone();
                for (long q = 0; q < p.maxQueries(); q++) {
                    float[] candidate = new float[best.length];
                    for (int j = 0; j < candidate.length; j++) {
                        candidate[j] = Perturbation.clip(images[i][j] + (rnd.nextBoolean() ? 1f : -1f) * (float) p.eps());
                    }
                    queries[i]++;
                    best = candidate;
                    if (Classifier.argmax(model.probabilities(new float[][] {candidate}))[0] != labels[i]) {
                        break;
                    }
                }
                out[i] = best;
            }
            return new Outcome(out, queries);
        }
    }

    /** Fooling images by hill climbing from uniform noise toward {@code params.target()}. */
    static final class HillClimbFooling implements BlackBoxAttack {
        @Override
        public String name() {
            return RequestChecks.FOOLING;
        }

        @Override
        public Outcome run(Classifier model, float[][] images, int[] labels, AttackParams p, Random rnd) {
            int goal = p.target();
            float[][] out = new float[images.length][];
            long[] queries = new long[images.length];
            for (int i = 0; i < images.length; i++) {
                float[] x = new float[model.inputSize()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = rnd.nextFloat();
                }
                float score = model.probabilities(new float[][] {x})[0][goal];
                queries[i]++;
                while (queries[i] < p.maxQueries() && score < p.confidence()) {
                    float[] y = x.clone();
                    for (int k = 0; k < 20; k++) {
                        int j = rnd.nextInt(y.length);
                        y[j] = Perturbation.clip(y[j] + (float) rnd.nextGaussian() * 0.3f);
                    }
                    float s = model.probabilities(new float[][] {y})[0][goal];
                    queries[i]++;
                    if (s > score) {
                        x = y;
                        score = s;
                    }
                }
                out[i] = x;
            }
            return new Outcome(out, queries);
        }
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
