package io.quorum.vision.attack;

import io.quorum.vision.model.Classifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The genetic search behind {@link GeneticAttack} and {@link FoolingImages}: for every image a population of candidates
 * inside a box ({@code center +- radius}, intersected with [0, 1]), evolved by elitism, fitness-proportional selection
 * (softmax of fitness / {@value #TEMPERATURE}), uniform crossover biased toward the fitter parent, and mutation (each
 * pixel, with probability {@code mutation}, moves by uniform noise in {@code +-mutationRange}), every child projected
 * back into the box. The search is batched across images and population: each generation makes one
 * {@link Classifier#probabilities} call holding every candidate of every image still running. Each candidate scored is
 * one query of its image; the elite keeps its score, so after the first generation a generation costs
 * {@code population - 1} queries per image. An image stops at its first success, at {@code generations}, or when its
 * next generation would exceed {@code maxQueries}.
 */
final class Evolution {

    /** Sampling temperature of the selection softmax (GenAttack's 0.3). */
    static final double TEMPERATURE = 0.3;
    private static final double TINY = 1e-30;

    /** What the search is after, per image. */
    interface Goal {
        /** Higher is better. */
        double fitness(int image, float[] probabilities);

        boolean success(int image, float[] probabilities);
    }

    private Evolution() {
    }

    /**
     * Evolves one candidate per image. {@code center[i]} and {@code radius} bound the box of image {@code i};
     * {@code start[i]} (may be null) holds queries already spent on it; images with {@code done[i]} set are left as
     * {@code center[i]}.
     */
    static Outcome run(Classifier model, float[][] center, double radius, double mutationRange, Goal goal,
                       AttackParams p, long[] start, boolean[] done, Random rnd) {
        int n = center.length;
        int size = p.population();
        float[][][] pop = new float[n][][];
        double[][] fit = new double[n][];
        int[] elite = new int[n];
        long[] queries = start == null ? new long[n] : start.clone();
        boolean[] finished = done == null ? new boolean[n] : done.clone();
        float[][] best = new float[n][];
        for (int i = 0; i < n; i++) {
            best[i] = center[i].clone();
        }
        for (int gen = 0; gen < p.generations(); gen++) {
            List<int[]> who = new ArrayList<>(); // {image, member}
            List<float[]> rows = new ArrayList<>();
            boolean[] active = new boolean[n];
            for (int i = 0; i < n; i++) {
                if (finished[i]) {
                    continue;
                }
                active[i] = true;
                if (pop[i] == null) { // first generation: uniform in the box, every member scored
                    int m = (int) Math.min(size, p.maxQueries() - queries[i]);
                    if (m < 2) {
                        finished[i] = true;
                        active[i] = false;
                        continue;
                    }
                    pop[i] = new float[m][];
                    fit[i] = new double[m];
                    for (int k = 0; k < m; k++) {
                        pop[i][k] = uniform(center[i], radius, rnd);
                        who.add(new int[] {i, k});
                        rows.add(pop[i][k]);
                    }
                } else {
                    int m = pop[i].length;
                    if (queries[i] + m - 1 > p.maxQueries()) {
                        finished[i] = true;
                        active[i] = false;
                        continue;
                    }
                    float[][] next = breed(pop[i], fit[i], elite[i], center[i], radius, mutationRange, p.mutation(), rnd);
                    double eliteFit = fit[i][elite[i]];
                    pop[i] = next;
                    fit[i] = new double[m];
                    fit[i][0] = eliteFit;
                    elite[i] = 0;
                    for (int k = 1; k < m; k++) {
                        who.add(new int[] {i, k});
                        rows.add(next[k]);
                    }
                }
            }
            if (rows.isEmpty()) {
                break;
            }
            float[][] probs = model.probabilities(rows.toArray(float[][]::new));
            double[] bestSuccess = new double[n];
            Arrays.fill(bestSuccess, Double.NEGATIVE_INFINITY);
            for (int r = 0; r < probs.length; r++) {
                int i = who.get(r)[0];
                int k = who.get(r)[1];
                queries[i]++;
                double f = goal.fitness(i, probs[r]);
                fit[i][k] = f;
                if (goal.success(i, probs[r]) && f > bestSuccess[i]) {
                    bestSuccess[i] = f;
                    best[i] = pop[i][k];
                    finished[i] = true;
                }
            }
            for (int i = 0; i < n; i++) {
                if (!active[i]) {
                    continue;
                }
                int e = 0;
                for (int k = 1; k < fit[i].length; k++) {
                    if (fit[i][k] > fit[i][e]) {
                        e = k;
                    }
                }
                elite[i] = e;
                if (bestSuccess[i] == Double.NEGATIVE_INFINITY) {
                    best[i] = pop[i][e];
                }
            }
        }
        return new Outcome(best, queries);
    }

    private static float[][] breed(float[][] pop, double[] fit, int elite, float[] center, double radius,
                                   double mutationRange, double mutation, Random rnd) {
        int m = pop.length;
        double[] sel = softmax(fit);
        float[][] next = new float[m][];
        next[0] = pop[elite];
        for (int k = 1; k < m; k++) {
            int a = pick(sel, rnd);
            int b = pick(sel, rnd);
            double pa = sel[a] / (sel[a] + sel[b]);
            float[] child = new float[center.length];
            for (int j = 0; j < child.length; j++) {
                float v = rnd.nextDouble() < pa ? pop[a][j] : pop[b][j];
                if (rnd.nextDouble() < mutation) {
                    v += (float) ((2 * rnd.nextDouble() - 1) * mutationRange);
                }
                child[j] = Perturbation.project(v, center[j], radius);
            }
            next[k] = child;
        }
        return next;
    }

    private static float[] uniform(float[] center, double radius, Random rnd) {
        float[] x = new float[center.length];
        for (int j = 0; j < x.length; j++) {
            x[j] = Perturbation.project((float) (center[j] + (2 * rnd.nextDouble() - 1) * radius), center[j], radius);
        }
        return x;
    }

    static double[] softmax(double[] fit) {
        double max = Double.NEGATIVE_INFINITY;
        for (double f : fit) {
            max = Math.max(max, f);
        }
        double[] out = new double[fit.length];
        double sum = 0;
        for (int k = 0; k < fit.length; k++) {
            out[k] = Math.exp((fit[k] - max) / TEMPERATURE);
            sum += out[k];
        }
        for (int k = 0; k < fit.length; k++) {
            out[k] /= sum;
        }
        return out;
    }

    private static int pick(double[] p, Random rnd) {
        double u = rnd.nextDouble();
        double acc = 0;
        for (int k = 0; k < p.length; k++) {
            acc += p[k];
            if (u < acc) {
                return k;
            }
        }
        return p.length - 1;
    }

    /** {@code log p[c] - log sum_{j != c} p[j]}: how far class {@code c} leads all the others together. */
    static double margin(float[] probabilities, int c) {
        double others = 0;
        for (int j = 0; j < probabilities.length; j++) {
            if (j != c) {
                others += probabilities[j];
            }
        }
        return Math.log(probabilities[c] + TINY) - Math.log(others + TINY);
    }

    static int argmax(float[] p) {
        int best = 0;
        for (int c = 1; c < p.length; c++) {
            if (p[c] > p[best]) {
                best = c;
            }
        }
        return best;
    }
}
