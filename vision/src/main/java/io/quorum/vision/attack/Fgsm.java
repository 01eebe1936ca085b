package io.quorum.vision.attack;

import io.quorum.vision.model.GradientClassifier;

/**
 * The fast gradient sign method (Goodfellow, Shlens and Szegedy, ICLR 2015): one step of size {@code eps} in the sign
 * of the loss gradient, {@code x' = clip(x + eps * sign(d loss(x, y) / dx), 0, 1)}; targeted, one step down the loss
 * of the target class. Every pixel whose gradient is not zero moves by exactly {@code eps} unless [0, 1] clips it; a
 * pixel with a zero gradient does not move. One gradient query per image; the gradient graph's probabilities of the
 * clean images come with the outcome, so scoring them on the same model costs no further pass.
 */
public final class Fgsm implements WhiteBoxAttack {

    @Override
    public String name() {
        return "fgsm";
    }

    @Override
    public Outcome run(GradientClassifier model, float[][] images, int[] labels, AttackParams p, java.util.Random rnd) {
        int n = images.length;
        int[] goal = p.targeted() ? filled(n, p.target()) : labels;
        GradientClassifier.ProbabilitiesAndGradient pg = model.probabilitiesAndGradient(images, goal);
        float[][] g = pg.gradient();
        float sign = p.targeted() ? -1f : 1f;
        float eps = (float) p.eps();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            float[] x = images[i];
            float[] a = new float[x.length];
            for (int j = 0; j < x.length; j++) {
                a[j] = Perturbation.clip(x[j] + sign * eps * Math.signum(g[i][j]));
            }
            out[i] = a;
        }
        long[] queries = new long[n];
        java.util.Arrays.fill(queries, 1);
        return new Outcome(out, queries, pg.probabilities(), model);
    }

    static int[] filled(int n, int value) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, value);
        return a;
    }
}
