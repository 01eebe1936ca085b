package io.quorum.training.steps;

import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Row indices of the train, dev and validation splits of {@code n} pairs: a seeded shuffle, or a cross-validation
 * fold ({@value #FOLD}/{@value #FOLDS}); the dev split is a {@value #DEV} fraction of the rest. Deterministic for a seed,
 * so every model an ablation compares on one fold sees the same rows.
 *
 * @param train      rows to fit on
 * @param dev        rows for early stopping, threshold calibration or a head fitted apart
 * @param validation rows held out for the reported metrics (the gate reads them)
 */
public record PairSplits(int[] train, int[] dev, int[] validation) {

    /** Parameter: the fraction held out for the reported metrics (when no fold is given). */
    public static final String VALIDATION = "validation";
    /** Parameter: the fraction of the non-validation rows put in the dev split. */
    public static final String DEV = "dev";
    /** Parameter: the cross-validation fold (0-based) used as validation; when given, {@value #VALIDATION} is unused. */
    public static final String FOLD = "fold";
    /** Parameter: the number of cross-validation folds. */
    public static final String FOLDS = "folds";
    public static final double DEFAULT_VALIDATION = 0.2;
    public static final double DEFAULT_DEV = 0.1;
    public static final int DEFAULT_FOLDS = 5;
    /** Mixed into the job's seed for the split's shuffle. */
    private static final long SHUFFLE_SALT = 0x5eed;

    /** The splits of {@code n} rows with the {@value #DEV} default {@value #DEFAULT_DEV}. */
    public static PairSplits of(int n, JobParams p, long seed) throws JobFailedException {
        return of(n, p, seed, DEFAULT_DEV);
    }

    /** The splits of {@code n} rows, with {@code defaultDev} when the parameter {@value #DEV} is not given. */
    public static PairSplits of(int n, JobParams p, long seed, double defaultDev) throws JobFailedException {
        int[] order = permutation(n, new Random(seed ^ SHUFFLE_SALT));
        List<Integer> valIdx = new ArrayList<>();
        List<Integer> rest = new ArrayList<>();
        if (p.has(FOLD)) {
            int folds = p.integer(FOLDS, DEFAULT_FOLDS);
            int fold = p.integer(FOLD, 0);
            if (fold < 0 || fold >= folds) {
                throw new JobFailedException("fold must be in 0.." + (folds - 1));
            }
            for (int i = 0; i < n; i++) {
                (i % folds == fold ? valIdx : rest).add(order[i]);
            }
        } else {
            double vf = p.number(VALIDATION, DEFAULT_VALIDATION);
            int nv = (int) Math.round(n * vf);
            for (int i = 0; i < n; i++) {
                (i < nv ? valIdx : rest).add(order[i]);
            }
        }
        double df = p.number(DEV, defaultDev);
        int nd = Math.max(2, (int) Math.round(rest.size() * df));
        int[] dev = rest.subList(0, nd).stream().mapToInt(Integer::intValue).toArray();
        int[] train = rest.subList(nd, rest.size()).stream().mapToInt(Integer::intValue).toArray();
        return new PairSplits(train, dev, valIdx.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The train rows followed by the dev rows: what a threshold is calibrated on when the dev split is not held apart. */
    public int[] trainAndDev() {
        return IntStream.concat(Arrays.stream(train), Arrays.stream(dev)).toArray();
    }

    /** A Fisher-Yates shuffle of {@code 0..n-1}, drawing {@code n - 1} numbers from {@code rnd}. */
    public static int[] permutation(int n, Random rnd) {
        int[] a = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
