package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;
import java.util.Random;

/**
 * GenAttack (Alzantot et al., "GenAttack: practical black-box attacks with gradient-free optimization", GECCO 2019): a
 * genetic search inside the L-inf eps ball that sees only the target's output probabilities.
 *
 * <ul>
 *   <li>Each clean image is scored once first (one query); an image the target already gets wrong (untargeted) or
 *       already puts in the target class (targeted) is its own adversarial.</li>
 *   <li>Population: {@code population} candidates drawn uniformly from the eps ball around the image (clipped to
 *       [0, 1]).</li>
 *   <li>Fitness, from the probabilities alone: targeted, {@code log p_t - log sum_{j != t} p_j}; untargeted,
 *       {@code log sum_{j != y} p_j - log p_y} (pushes the true class down).</li>
 *   <li>Each generation keeps the elite, draws parent pairs with probability {@code softmax(fitness / 0.3)}, takes
 *       each pixel from the first parent with probability {@code p_a / (p_a + p_b)}, mutates each pixel with probability
 *       {@code mutation} by uniform noise in {@code +-eps}, and projects the child onto the eps ball and [0, 1]. (The
 *       paper's adaptive mutation schedule and its dimension reduction for large images are not used: digits are
 *       small.)</li>
 *   <li>Stops per image at the first candidate that succeeds (untargeted: predicted class is not the label; targeted:
 *       the target class is predicted), after {@code generations}, or before a generation would pass
 *       {@code maxQueries}.</li>
 * </ul>
 *
 * All images and their populations are scored together, one {@link Classifier#probabilities} call per generation.
 * Queries per image: 1 + population + (population - 1) per later generation. The adversarial returned is the
 * successful candidate, or the fittest one found when the search ran out of generations or queries.
 */
public final class GeneticAttack implements BlackBoxAttack {

    @Override
    public String name() {
        return "genetic";
    }

    @Override
    public Outcome run(Classifier model, float[][] images, int[] labels, AttackParams p, Random rnd) {
        int n = images.length;
        int target = p.target();
        if (target >= model.classes()) {
            throw new IllegalArgumentException("attack parameter target = " + target + " is not one of the model's "
                    + model.classes() + " classes");
        }
        if (n == 0) {
            return new Outcome(new float[0][], new long[0]);
        }
        float[][] clean = model.probabilities(images);
        long[] queries = new long[n];
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            queries[i] = 1;
            done[i] = success(clean[i], labels[i], target);
        }
        Evolution.Goal goal = new Evolution.Goal() {
            @Override
            public double fitness(int image, float[] probabilities) {
                return target >= 0 ? Evolution.margin(probabilities, target) : -Evolution.margin(probabilities, labels[image]);
            }

            @Override
            public boolean success(int image, float[] probabilities) {
                return GeneticAttack.success(probabilities, labels[image], target);
            }
        };
        return Evolution.run(model, images, p.eps(), p.eps(), goal, p, queries, done, rnd);
    }

    static boolean success(float[] probabilities, int label, int target) {
        int c = Evolution.argmax(probabilities);
        return target >= 0 ? c == target : c != label;
    }
}
