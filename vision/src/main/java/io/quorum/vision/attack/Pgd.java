package io.quorum.vision.attack;

import io.quorum.vision.model.GradientClassifier;
import java.util.Random;

/**
 * Projected gradient descent in the L-inf ball (Madry et al., ICLR 2018; without the random start it is the basic
 * iterative method of Kurakin et al.): from {@code x} (or a uniform random point of the eps ball), {@code steps}
 * signed gradient steps of {@code stepSize}, each followed by the projection back onto the eps ball around the clean
 * image and onto [0, 1]. No iterate ever leaves the ball. Targeted: steps down the target class's loss. One gradient
 * query per image per step.
 */
public final class Pgd implements WhiteBoxAttack {

    @Override
    public String name() {
        return "pgd";
    }

    @Override
    public Outcome run(GradientClassifier model, float[][] images, int[] labels, AttackParams p, Random rnd) {
        int n = images.length;
        int[] goal = p.targeted() ? Fgsm.filled(n, p.target()) : labels;
        float sign = p.targeted() ? -1f : 1f;
        double eps = p.eps();
        float step = (float) p.stepSize();
        float[][] x = new float[n][];
        for (int i = 0; i < n; i++) {
            x[i] = images[i].clone();
            if (p.randomStart()) {
                for (int j = 0; j < x[i].length; j++) {
                    x[i][j] = Perturbation.project((float) (images[i][j] + (2 * rnd.nextDouble() - 1) * eps), images[i][j], eps);
                }
            }
        }
        for (int s = 0; s < p.steps(); s++) {
            float[][] g = model.lossGradient(x, goal);
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < x[i].length; j++) {
                    x[i][j] = Perturbation.project(x[i][j] + sign * step * Math.signum(g[i][j]), images[i][j], eps);
                }
            }
        }
        long[] queries = new long[n];
        java.util.Arrays.fill(queries, p.steps());
        return new Outcome(x, queries);
    }
}
