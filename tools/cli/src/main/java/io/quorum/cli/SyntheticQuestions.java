package io.quorum.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * A deterministic synthetic corpus of question vectors on the unit sphere for {@code bench scale}, with planted
 * near-duplicates, and exact (brute-force) nearest neighbours to measure recall against. Item {@code i} depends only
 * on the seed and {@code i}, so the corpus of {@code n} questions is the prefix of any larger one and nothing has to
 * be held in memory: vectors are generated again where they are needed.
 *
 * <ul>
 *   <li>Topics: item {@code i} joins one of the first {@code ceil((i + 1) / perTopic)} topic centres (random unit
 *       vectors), so a corpus of any size has about {@code perTopic} questions per topic: {@code normalize(centre +
 *       topicSpread * g)}, {@code g} standard Gaussian per dimension.</li>
 *   <li>Planted near-duplicates: a fraction {@code duplicateShare} of the items after the first 100 is a paraphrase
 *       of an earlier original instead: {@code normalize(original + paraphraseSpread * g)}.</li>
 *   <li>Queries: new paraphrases of random corpus items, made the same way.</li>
 * </ul>
 * The expected cosines follow from the spreads: {@code 1 / sqrt(1 + d * spread^2)} to the centre or the original.
 */
final class SyntheticQuestions {

    final int dim;
    final long seed;
    final int perTopic;
    final double topicSpread;
    final double duplicateShare;
    final double paraphraseSpread;

    SyntheticQuestions(int dim, long seed, int perTopic, double topicSpread, double duplicateShare, double paraphraseSpread) {
        this.dim = dim;
        this.seed = seed;
        this.perTopic = perTopic;
        this.topicSpread = topicSpread;
        this.duplicateShare = duplicateShare;
        this.paraphraseSpread = paraphraseSpread;
    }

    /** The spread that gives an expected cosine {@code c} to the point perturbed in {@code dim} dimensions. */
    static double spreadFor(double cosine, int dim) {
        return Math.sqrt((1 / (cosine * cosine) - 1) / dim);
    }

    /** Expected cosine between a point and its perturbation by {@code spread}. */
    double cosineOf(double spread) {
        return 1 / Math.sqrt(1 + dim * spread * spread);
    }

    /** Describes the set for the benchmark's JSON. */
    Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", "synthetic: clustered Gaussian vectors on the unit sphere with planted near-duplicates");
        m.put("dimension", dim);
        m.put("seed", seed);
        m.put("questionsPerTopic", perTopic);
        m.put("topicSpread", topicSpread);
        m.put("expectedCosineToTopicCentre", round3(cosineOf(topicSpread)));
        m.put("expectedCosineWithinTopic", round3(Math.pow(cosineOf(topicSpread), 2)));
        m.put("plantedDuplicateShare", duplicateShare);
        m.put("paraphraseSpread", paraphraseSpread);
        m.put("expectedCosineOfParaphrase", round3(cosineOf(paraphraseSpread)));
        m.put("queries", "new paraphrases of random corpus items (same spread), not in the corpus");
        return m;
    }

    private SplittableRandom random(long stream, long i) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + stream * 0xC2B2AE3D27D4EB4FL + i);
    }

    private final java.util.concurrent.ConcurrentHashMap<Integer, float[]> centres = new java.util.concurrent.ConcurrentHashMap<>();

    /** Centre of topic {@code t}. */
    float[] centre(int t) {
        return centres.computeIfAbsent(t, this::newCentre);
    }

    private float[] newCentre(int t) {
        SplittableRandom r = random(1, t);
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
            v[j] = (float) r.nextGaussian();
        }
        return normalize(v);
    }

    /** Whether item {@code i} is a planted paraphrase, and of which original (-1 when it is an original). */
    int originalOf(int i) {
        if (i < 100) {
            return -1;
        }
        SplittableRandom r = random(2, i);
        if (r.nextDouble() >= duplicateShare) {
            return -1;
        }
        int j = r.nextInt(i);
        return originalOf(j) >= 0 ? originalOf(j) : j;
    }

    /** Topic of original {@code i}. */
    int topicOf(int i) {
        int topics = Math.max(1, (i + perTopic) / perTopic);
        return random(3, i).nextInt(topics);
    }

    /** The vector of corpus item {@code i} (unit length). */
    float[] vector(int i) {
        int o = originalOf(i);
        if (o >= 0) {
            return perturb(vector(o), paraphraseSpread, random(4, i));
        }
        return perturb(centre(topicOf(i)), topicSpread, random(5, i));
    }

    /** Query {@code q} of batch {@code batch} over a corpus of {@code n}: a paraphrase of a random item, and that item. */
    Query query(int batch, int q, int n) {
        SplittableRandom r = random(6 + batch, q);
        int base = r.nextInt(n);
        return new Query(base, perturb(vector(base), paraphraseSpread, r));
    }

    /** A query vector and the corpus item it paraphrases. */
    record Query(int base, float[] vector) {
    }

    private float[] perturb(float[] x, double spread, SplittableRandom r) {
        float[] v = new float[dim];
        for (int j = 0; j < dim; j++) {
            v[j] = x[j] + (float) (spread * r.nextGaussian());
        }
        return normalize(v);
    }

    static float[] normalize(float[] v) {
        double n = 0;
        for (float f : v) {
            n += f * f;
        }
        float inv = (float) (1 / Math.sqrt(n));
        for (int j = 0; j < v.length; j++) {
            v[j] *= inv;
        }
        return v;
    }

    static double dot(float[] a, float[] b) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 3 < a.length; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < a.length; j++) {
            s0 += a[j] * b[j];
        }
        return s0 + s1 + s2 + s3;
    }

    /** A neighbour: corpus item {@code i >= 0}, or query {@code -(q + 1)} of the queries given, with its cosine. */
    record Neighbour(int item, double cosine) {
    }

    /**
     * A query to find the exact neighbours of: its vector, the corpus size it was searched against and how many of
     * the queries (sent in order) were indexed before it.
     */
    record Probe(float[] vector, int corpusSize, int earlierQueries) {
    }

    /**
     * The exact {@code k} nearest neighbours of each probe among corpus items {@code [0, corpusSize)} and the first
     * {@code earlierQueries} of {@code queries} (the service indexes every question it answers), best first: one pass
     * over the corpus on two threads, vectors generated again.
     */
    List<List<Neighbour>> exact(List<Probe> probes, List<float[]> queries, int k) {
        int n = probes.stream().mapToInt(Probe::corpusSize).max().orElse(0);
        int threads = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));
        List<List<PriorityQueue<Neighbour>>> parts = java.util.stream.IntStream.range(0, threads).parallel().mapToObj(t -> {
            List<PriorityQueue<Neighbour>> heaps = heaps(probes.size());
            for (int i = t; i < n; i += threads) {
                float[] v = vector(i);
                for (int q = 0; q < probes.size(); q++) {
                    Probe p = probes.get(q);
                    if (i < p.corpusSize()) {
                        offer(heaps.get(q), new Neighbour(i, dot(v, p.vector())), k);
                    }
                }
            }
            return heaps;
        }).toList();
        List<List<Neighbour>> out = new ArrayList<>();
        for (int q = 0; q < probes.size(); q++) {
            Probe p = probes.get(q);
            PriorityQueue<Neighbour> h = heaps(1).get(0);
            for (List<PriorityQueue<Neighbour>> part : parts) {
                for (Neighbour nb : part.get(q)) {
                    offer(h, nb, k);
                }
            }
            for (int j = 0; j < p.earlierQueries(); j++) {
                offer(h, new Neighbour(-(j + 1), dot(queries.get(j), p.vector())), k);
            }
            List<Neighbour> l = new ArrayList<>(h);
            l.sort(java.util.Comparator.comparingDouble(Neighbour::cosine).reversed());
            out.add(l);
        }
        return out;
    }

    private static List<PriorityQueue<Neighbour>> heaps(int count) {
        List<PriorityQueue<Neighbour>> heaps = new ArrayList<>();
        for (int q = 0; q < count; q++) {
            heaps.add(new PriorityQueue<>(java.util.Comparator.comparingDouble(Neighbour::cosine)));
        }
        return heaps;
    }

    private static void offer(PriorityQueue<Neighbour> heap, Neighbour n, int k) {
        if (heap.size() < k) {
            heap.add(n);
        } else if (n.cosine() > heap.peek().cosine()) {
            heap.poll();
            heap.add(n);
        }
    }

    private static double round3(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
