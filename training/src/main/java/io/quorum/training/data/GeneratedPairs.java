package io.quorum.training.data;

import io.quorum.shared.model.Hashing;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * Synthetic duplicate pairs for fast tests and smoke runs: questions are points around topic centres; a duplicate is
 * the same question with noise; a non-duplicate is another question, half the time from the same topic (a hard
 * negative). Deterministic for a seed.
 */
public final class GeneratedPairs {

    private GeneratedPairs() {
    }

    public static PairVectors generate(int n, int dim, double noise, long seed) {
        Random rnd = new Random(seed);
        int topics = Math.max(4, dim / 2);
        float[][] centres = new float[topics][dim];
        for (float[] c : centres) {
            for (int j = 0; j < dim; j++) {
                c[j] = (float) rnd.nextGaussian();
            }
        }
        float[][] left = new float[n][];
        float[][] right = new float[n][];
        int[] labels = new int[n];
        ByteBuffer digest = ByteBuffer.allocate(16);
        digest.putLong(seed).putInt(n).putInt(dim);
        for (int i = 0; i < n; i++) {
            int t = rnd.nextInt(topics);
            float[] q = point(centres[t], 0.6, rnd);
            left[i] = q;
            boolean duplicate = rnd.nextDouble() < 0.4;
            labels[i] = duplicate ? 1 : 0;
            if (duplicate) {
                right[i] = point(q, noise, rnd);
            } else {
                int other = rnd.nextBoolean() ? t : rnd.nextInt(topics);
                right[i] = point(centres[other], 0.6, rnd);
            }
        }
        String ref = "generated:n=" + n + ",dim=" + dim + ",noise=" + noise + ",seed=" + seed;
        return new PairVectors(left, right, labels, dim, ref, Hashing.sha256(ref.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                null, null);
    }

    private static float[] point(float[] centre, double spread, Random rnd) {
        float[] p = new float[centre.length];
        for (int j = 0; j < p.length; j++) {
            p[j] = centre[j] + (float) (rnd.nextGaussian() * spread);
        }
        return p;
    }
}
