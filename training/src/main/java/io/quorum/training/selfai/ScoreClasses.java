package io.quorum.training.selfai;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Score buckets and the Selfai sampling over them. Class of a score: {@code floor(score)} clamped to
 * {@code [lowest, highest]} (MEBeauty 1..10 with defaults 3..8: {@code <4, 4, 5, 6, 7, >=8}; the train split holds
 * 126/238/405/515/396/107 images in them).
 *
 * <ul>
 *   <li>{@link #balanced}: the fine-tuning sampler: pick a class uniformly, then an image of it uniformly (the data
 *       are Gaussian-like, so mid classes would otherwise dominate).</li>
 *   <li>{@link #pair}: a Siamese pair: a class uniformly, then with probability 1/2 two images of it (label +1), else an
 *       image of a class at least {@code gap} classes away (label -1).</li>
 * </ul>
 */
public final class ScoreClasses {

    private final int lowest;
    private final int[] classOf;
    private final List<int[]> members;

    public ScoreClasses(double[] scores, int lowest, int highest) {
        if (lowest > highest) {
            throw new IllegalArgumentException("lowest class " + lowest + " > highest " + highest);
        }
        this.lowest = lowest;
        classOf = new int[scores.length];
        List<List<Integer>> m = new ArrayList<>();
        for (int c = lowest; c <= highest; c++) {
            m.add(new ArrayList<>());
        }
        for (int i = 0; i < scores.length; i++) {
            int c = Math.max(lowest, Math.min(highest, (int) Math.floor(scores[i])));
            classOf[i] = c - lowest;
            m.get(c - lowest).add(i);
        }
        members = new ArrayList<>();
        for (List<Integer> l : m) {
            members.add(l.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /** Number of classes (empty ones included). */
    public int classes() {
        return members.size();
    }

    /** Class index (0-based) of image {@code i}. */
    public int classOf(int i) {
        return classOf[i];
    }

    /** Image counts per class. */
    public int[] counts() {
        return members.stream().mapToInt(a -> a.length).toArray();
    }

    /** The class label of index {@code c} (its lowest whole score). */
    public int label(int c) {
        return lowest + c;
    }

    private int randomNonEmptyClass(Random rnd) {
        while (true) {
            int c = rnd.nextInt(members.size());
            if (members.get(c).length > 0) {
                return c;
            }
        }
    }

    /** One image index drawn class-balanced. */
    public int balanced(Random rnd) {
        int[] m = members.get(randomNonEmptyClass(rnd));
        return m[rnd.nextInt(m.length)];
    }

    /** {@code n} image indices drawn class-balanced. */
    public int[] balanced(int n, Random rnd) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = balanced(rnd);
        }
        return out;
    }

    /** A Siamese pair: {@code {first, second, label}} with label +1 (same class) or -1 (classes >= gap apart). */
    public int[] pair(int gap, Random rnd) {
        int c = randomNonEmptyClass(rnd);
        int[] m = members.get(c);
        if (rnd.nextBoolean() && m.length >= 2) {
            int a = rnd.nextInt(m.length);
            int b = rnd.nextInt(m.length - 1);
            if (b >= a) {
                b++;
            }
            return new int[] {m[a], m[b], 1};
        }
        List<Integer> far = new ArrayList<>();
        for (int d = 0; d < members.size(); d++) {
            if (Math.abs(d - c) >= gap && members.get(d).length > 0) {
                far.add(d);
            }
        }
        if (far.isEmpty()) {
            throw new IllegalStateException("no class " + gap + " or more away from class " + label(c));
        }
        int[] o = members.get(far.get(rnd.nextInt(far.size())));
        return new int[] {m[rnd.nextInt(m.length)], o[rnd.nextInt(o.length)], -1};
    }
}
