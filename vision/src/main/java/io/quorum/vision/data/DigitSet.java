package io.quorum.vision.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Labelled grayscale images of one size: {@code images[i]} is image {@code i} flattened row-major, intensities in
 * [0, 1]; {@code labels[i]} its class. Immutable by convention (the arrays are not copied: do not modify them).
 *
 * @param name    what it is, for reports ({@code mnist}, {@code fashion-mnist:test}, {@code adv-mnist-fgsm v3})
 * @param height  rows per image
 * @param width   columns per image
 * @param classes class names in label order
 */
public record DigitSet(String name, float[][] images, int[] labels, int height, int width, List<String> classes) {

    public DigitSet {
        if (images.length != labels.length) {
            throw new IllegalArgumentException(images.length + " images but " + labels.length + " labels");
        }
        for (int i = 0; i < images.length; i++) {
            if (images[i].length != height * width) {
                throw new IllegalArgumentException("image " + i + " has " + images[i].length + " pixels, not " + height * width);
            }
            if (labels[i] < 0 || labels[i] >= classes.size()) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " is not a class");
            }
        }
        classes = List.copyOf(classes);
    }

    public int size() {
        return images.length;
    }

    public int pixels() {
        return height * width;
    }

    /** The images at {@code rows}, in that order. */
    public DigitSet select(int[] rows, String newName) {
        float[][] x = new float[rows.length][];
        int[] y = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            x[i] = images[rows[i]];
            y[i] = labels[rows[i]];
        }
        return new DigitSet(newName, x, y, height, width, classes);
    }

    /** The first {@code n} images (all when {@code n} is larger). */
    public DigitSet head(int n) {
        int m = Math.min(n, size());
        return new DigitSet(name + "[:" + m + "]", Arrays.copyOf(images, m), Arrays.copyOf(labels, m), height, width, classes);
    }

    /**
     * A seeded, stratified split: {@code fraction} of every class goes to the second part (validation), the rest to
     * the first (training); the same seed always gives the same rows.
     */
    public DigitSet[] split(double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("split fraction must be in (0, 1), not " + fraction);
        }
        Random rnd = new Random(seed);
        List<Integer> train = new ArrayList<>();
        List<Integer> held = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Integer> rows = new ArrayList<>();
            for (int i = 0; i < size(); i++) {
                if (labels[i] == c) {
                    rows.add(i);
                }
            }
            java.util.Collections.shuffle(rows, rnd);
            int k = (int) Math.round(rows.size() * fraction);
            held.addAll(rows.subList(0, k));
            train.addAll(rows.subList(k, rows.size()));
        }
        java.util.Collections.sort(train);
        java.util.Collections.sort(held);
        return new DigitSet[] {select(train.stream().mapToInt(Integer::intValue).toArray(), name + ":train"),
                select(held.stream().mapToInt(Integer::intValue).toArray(), name + ":validation")};
    }

    /** Images per class, in class order. */
    public int[] classCounts() {
        int[] counts = new int[classes.size()];
        for (int y : labels) {
            counts[y]++;
        }
        return counts;
    }
}
