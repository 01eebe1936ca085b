package io.quorum.text;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Token ids and inverse document frequencies. Ids start at 1 (0 is padding and unknown). The IDF is
 * scikit-learn's smoothed form, {@code ln((1 + N) / (1 + df)) + 1}, so a word in every document still weighs 1.
 * Stored as TSV lines {@code token <TAB> id <TAB> idf} ({@value #FILE}).
 */
public final class Vocabulary {

    public static final String FILE = "vocab.tsv";

    private final Map<String, Integer> ids;
    private final float[] idf;

    private Vocabulary(Map<String, Integer> ids, float[] idf) {
        this.ids = ids;
        this.idf = idf;
    }

    /**
     * Builds the vocabulary of {@code documents}, keeping only tokens {@code accept}ed (e.g. those with a vector),
     * in order of first appearance.
     */
    public static Vocabulary build(Collection<String> documents, java.util.function.Predicate<String> accept) {
        Map<String, Integer> df = new LinkedHashMap<>();
        for (String d : documents) {
            Set<String> seen = new HashSet<>(WordTokenizer.tokens(d));
            for (String t : seen) {
                if (accept.test(t)) {
                    df.merge(t, 1, Integer::sum);
                }
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        float[] idf = new float[df.size() + 1];
        int next = 1;
        int n = documents.size();
        for (var e : df.entrySet()) {
            ids.put(e.getKey(), next);
            idf[next] = (float) (Math.log((1.0 + n) / (1.0 + e.getValue())) + 1.0);
            next++;
        }
        return new Vocabulary(ids, idf);
    }

    public int size() {
        return ids.size();
    }

    /** The id of {@code token}, or 0 when unknown. */
    public int id(String token) {
        return ids.getOrDefault(token, 0);
    }

    public float idf(int id) {
        return idf[id];
    }

    /** Tokens by id (index 0 is null). */
    public String[] tokensById() {
        String[] t = new String[idf.length];
        ids.forEach((k, v) -> t[v] = k);
        return t;
    }

    public void write(Path file) throws IOException {
        String[] tokens = tokensById();
        List<String> lines = new ArrayList<>(tokens.length);
        for (int i = 1; i < tokens.length; i++) {
            lines.add(tokens[i] + "\t" + i + "\t" + idf[i]);
        }
        Files.write(file, lines, StandardCharsets.UTF_8);
    }

    public static Vocabulary read(Path file) throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        float[] idf = new float[lines.size() + 1];
        for (String line : lines) {
            String[] f = line.split("\t");
            if (f.length != 3) {
                throw new IOException(file + ": malformed vocabulary line '" + line + "'");
            }
            int id = Integer.parseInt(f[1]);
            if (id < 1 || id >= idf.length) {
                throw new IOException(file + ": id " + id + " out of range");
            }
            ids.put(f[0], id);
            idf[id] = Float.parseFloat(f[2]);
        }
        return new Vocabulary(ids, idf);
    }
}
