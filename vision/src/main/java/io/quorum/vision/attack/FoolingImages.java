package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;
import java.util.Random;

/**
 * Fooling images (Nguyen, Yosinski and Clune, "Deep neural networks are easily fooled: high confidence predictions for
 * unrecognizable images", CVPR 2015; the seed's reference [1]): images evolved from uniform noise until the target
 * predicts a chosen class with probability at least {@code confidence} (default 0.99), although they look like no
 * digit at all.
 *
 * <p>Method: the paper's direct encoding (every pixel is a gene) with a simple generational evolutionary algorithm
 * instead of its MAP-Elites archive, which evolves one image per class in one run. Here every image is its own search,
 * run by the same engine as {@link GeneticAttack} over the whole [0, 1] pixel range: a population of
 * {@code population} uniform-noise images, fitness {@code log p_t - log sum_{j != t} p_j}, elitism,
 * fitness-proportional selection, uniform crossover and per-pixel mutation (probability {@code mutation}, uniform noise
 * in {@code +-eps}: the only use of eps here, as nothing bounds a fooling image), pixels clipped to [0, 1]. Each image
 * stops when a candidate reaches the confidence, after {@code generations}, or before passing {@code maxQueries}.
 *
 * <p>Image {@code i} aims at {@code target}, or, when the request is untargeted, at class {@code i mod classes} (each
 * class in turn). The input images are only counted; {@code labels} are ignored.
 */
public final class FoolingImages implements BlackBoxAttack {

    @Override
    public String name() {
        return "fooling";
    }

    /** The class image {@code i} of {@code n} aims at. */
    public static int[] targets(int n, int classes, AttackParams p) {
        if (p.target() >= classes) {
            throw new IllegalArgumentException("attack parameter target = " + p.target() + " is not one of the model's "
                    + classes + " classes");
        }
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = p.targeted() ? p.target() : i % classes;
        }
        return t;
    }

    @Override
    public Outcome run(Classifier model, float[][] images, int[] labels, AttackParams p, Random rnd) {
        int n = images.length;
        int[] targets = targets(n, model.classes(), p);
        float[][] center = new float[n][model.inputSize()];
        for (float[] c : center) {
            java.util.Arrays.fill(c, 0.5f);
        }
        double confidence = p.confidence();
        Evolution.Goal goal = new Evolution.Goal() {
            @Override
            public double fitness(int image, float[] probabilities) {
                return Evolution.margin(probabilities, targets[image]);
            }

            @Override
            public boolean success(int image, float[] probabilities) {
                int t = targets[image];
                return Evolution.argmax(probabilities) == t && probabilities[t] >= confidence;
            }
        };
        return Evolution.run(model, center, 0.5, p.eps(), goal, p, null, null, rnd);
    }
}
