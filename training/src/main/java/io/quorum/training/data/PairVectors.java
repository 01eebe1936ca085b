package io.quorum.training.data;

/**
 * Labelled pairs as vectors, ready for a pair-scoring network.
 *
 * @param embedder        the embedder that made the vectors (null for generated data)
 * @param embedderVersion its registry version (null when not from the registry)
 */
public record PairVectors(float[][] left, float[][] right, int[] labels, int dim, String dataRef, String dataHash,
                          String embedder, Integer embedderVersion) {

    public int size() {
        return labels.length;
    }

    /** The rows at {@code idx}, in that order. */
    public PairVectors subset(int[] idx) {
        float[][] l = new float[idx.length][];
        float[][] r = new float[idx.length][];
        int[] y = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            l[i] = left[idx[i]];
            r[i] = right[idx[i]];
            y[i] = labels[idx[i]];
        }
        return new PairVectors(l, r, y, dim, dataRef, dataHash, embedder, embedderVersion);
    }

    public double positiveRate() {
        double p = 0;
        for (int v : labels) {
            p += v;
        }
        return labels.length == 0 ? 0 : p / labels.length;
    }
}
