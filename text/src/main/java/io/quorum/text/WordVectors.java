package io.quorum.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Word vectors read from the GloVe or word2vec text format: one {@code word v1 ... vD} per line, optionally after a
 * word2vec header line {@code <count> <dimension>}; plain or gzip. Malformed lines are an error with their number.
 */
public final class WordVectors {

    private final Map<String, float[]> vectors;
    private final int dimension;

    public WordVectors(Map<String, float[]> vectors, int dimension) {
        this.vectors = vectors;
        this.dimension = dimension;
    }

    public static WordVectors read(Path file) throws IOException {
        var raw = Files.newInputStream(file);
        var in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
        Map<String, float[]> map = new HashMap<>();
        int dim = -1;
        int lineNo = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            for (String line; (line = r.readLine()) != null; ) {
                lineNo++;
                String[] f = line.trim().split(" ");
                if (f.length < 2) {
                    continue;
                }
                if (lineNo == 1 && f.length == 2 && f[0].chars().allMatch(Character::isDigit)) {
                    continue; // word2vec header
                }
                if (dim < 0) {
                    dim = f.length - 1;
                } else if (f.length - 1 != dim) {
                    throw new IOException(file + ":" + lineNo + ": " + (f.length - 1) + " values, expected " + dim);
                }
                float[] v = new float[dim];
                try {
                    for (int i = 0; i < dim; i++) {
                        v[i] = Float.parseFloat(f[i + 1]);
                    }
                } catch (NumberFormatException e) {
                    throw new IOException(file + ":" + lineNo + ": not a number: " + e.getMessage());
                }
                map.putIfAbsent(f[0], v);
            }
        }
        if (dim < 0) {
            throw new IOException(file + ": no vectors");
        }
        return new WordVectors(map, dim);
    }

    public int dimension() {
        return dimension;
    }

    public int size() {
        return vectors.size();
    }

    public float[] get(String word) {
        return vectors.get(word);
    }

    public boolean contains(String word) {
        return vectors.containsKey(word);
    }

    public Map<String, float[]> asMap() {
        return vectors;
    }

    /**
     * The same words with the table's mean vector (unweighted, over its words) subtracted from every vector: the first
     * step of Mu and Viswanath's post-processing ("All-but-the-Top", ICLR 2018). Contextual token vectors averaged into
     * word vectors share a large common direction (they are anisotropic, Ethayarajh 2019); removing it lets the
     * differences between words dominate sentence-vector comparisons.
     */
    public WordVectors centered() {
        double[] mean = new double[dimension];
        for (float[] v : vectors.values()) {
            for (int d = 0; d < dimension; d++) {
                mean[d] += v[d];
            }
        }
        int n = Math.max(1, vectors.size());
        Map<String, float[]> out = new HashMap<>(vectors.size() * 2);
        vectors.forEach((word, v) -> {
            float[] c = new float[dimension];
            for (int d = 0; d < dimension; d++) {
                c[d] = (float) (v[d] - mean[d] / n);
            }
            out.put(word, c);
        });
        return new WordVectors(out, dimension);
    }
}
