package io.quorum.faces.explain;

import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.Images;
import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Occlusion-sensitivity explanations (the Selfai post's method): a grey patch slides over the aligned crop, every
 * occluded variant is scored by the served model in batched calls, and the absolute change of the score against the
 * unoccluded crop is recorded per patch position. {@link #overlay} renders the map as a heat-map over the crop and
 * {@link #png} encodes it with ImageIO.
 */
public final class OcclusionSensitivity {

    /** The grey the occluding patch is filled with (RGB 128,128,128). */
    public static final int GREY = 0x808080;

    /** Scores {@code n} crops packed as NHWC RGB 0..255 floats ({@code [n, size, size, 3]}); one call = one batch. */
    @FunctionalInterface
    public interface BatchScorer {
        float[] score(float[] nhwc, int n) throws Exception;
    }

    /**
     * @param patch side of the square occluding patch, in crop pixels
     * @param stride step between patch positions, in crop pixels
     * @param batch variants per scoring call
     */
    public record Settings(int patch, int stride, int batch) {
        public Settings {
            if (patch < 1 || stride < 1 || batch < 1) {
                throw new IllegalArgumentException("patch, stride and batch must be >= 1 (patch " + patch + ", stride "
                        + stride + ", batch " + batch + ")");
            }
        }
    }

    /**
     * The map: {@code change[r][c]} = |score(occluded at row r, column c) - baseline|, the patch's top-left corner at
     * {@code (c * stride, r * stride)} of a {@code size x size} crop.
     */
    public record Map(int size, int patch, int stride, double baseline, double[][] change) {

        public int rows() {
            return change.length;
        }

        public int cols() {
            return change.length == 0 ? 0 : change[0].length;
        }

        /** The largest absolute change of the score. */
        public double maxChange() {
            return Arrays.stream(change).flatMapToDouble(Arrays::stream).max().orElse(0);
        }
    }

    private OcclusionSensitivity() {
    }

    /** Patch positions along one side: the last position is clamped so the far edge is covered too. */
    static int[] positions(int size, int patch, int stride) {
        if (patch > size) {
            throw new IllegalArgumentException("patch " + patch + " is larger than the crop (" + size + ")");
        }
        int n = (size - patch) / stride + 1;
        boolean tail = (n - 1) * stride + patch < size;
        int[] p = new int[tail ? n + 1 : n];
        for (int i = 0; i < n; i++) {
            p[i] = i * stride;
        }
        if (tail) {
            p[n] = size - patch;
        }
        return p;
    }

    /**
     * Computes the map for one crop (resized to {@code size x size} first if needed).
     *
     * @param size the crop side the model expects
     */
    public static Map compute(BufferedImage crop, int size, Settings s, BatchScorer scorer) throws Exception {
        BufferedImage base = Images.resize(ImageDecoder.toRgb(crop), size, size);
        int px = size * size * 3;
        float[] clean = new float[px];
        Images.toNhwc(base, 1f, 0f, clean, 0);
        float[] b = scorer.score(clean, 1);
        double baseline = b[0];
        int[] pos = positions(size, s.patch(), s.stride());
        int cells = pos.length * pos.length;
        double[][] change = new double[pos.length][pos.length];
        float grey = (GREY >>> 16) & 0xff;
        for (int start = 0; start < cells; start += s.batch()) {
            int n = Math.min(s.batch(), cells - start);
            float[] x = new float[n * px];
            for (int i = 0; i < n; i++) {
                int cell = start + i;
                int y0 = pos[cell / pos.length];
                int x0 = pos[cell % pos.length];
                System.arraycopy(clean, 0, x, i * px, px);
                for (int y = y0; y < y0 + s.patch(); y++) {
                    int row = i * px + (y * size + x0) * 3;
                    Arrays.fill(x, row, row + s.patch() * 3, grey);
                }
            }
            float[] scores = scorer.score(x, n);
            if (scores.length != n) {
                throw new IllegalStateException("the scorer returned " + scores.length + " scores for " + n + " crops");
            }
            for (int i = 0; i < n; i++) {
                int cell = start + i;
                change[cell / pos.length][cell % pos.length] = Math.abs(scores[i] - baseline);
            }
        }
        return new Map(size, s.patch(), s.stride(), baseline, change);
    }

    /**
     * Per-pixel sensitivity in [0, 1]: the mean change of the patches covering the pixel, divided by the largest such
     * mean (all zero when nothing changed the score).
     */
    public static float[] pixelMap(Map m) {
        int size = m.size();
        int[] pos = positions(size, m.patch(), m.stride());
        double[] sum = new double[size * size];
        int[] count = new int[size * size];
        for (int r = 0; r < pos.length; r++) {
            for (int c = 0; c < pos.length; c++) {
                for (int y = pos[r]; y < pos[r] + m.patch(); y++) {
                    for (int x = pos[c]; x < pos[c] + m.patch(); x++) {
                        sum[y * size + x] += m.change()[r][c];
                        count[y * size + x]++;
                    }
                }
            }
        }
        float[] out = new float[size * size];
        double max = 0;
        for (int i = 0; i < out.length; i++) {
            double v = count[i] == 0 ? 0 : sum[i] / count[i];
            out[i] = (float) v;
            max = Math.max(max, v);
        }
        if (max > 0) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) (out[i] / max);
            }
        }
        return out;
    }

    /** The crop ({@code size x size}) with the map drawn over it: blue (no change) to red (largest), at {@code alpha}. */
    public static BufferedImage overlay(BufferedImage crop, Map m, float alpha) {
        int size = m.size();
        BufferedImage base = Images.resize(ImageDecoder.toRgb(crop), size, size);
        float[] v = pixelMap(m);
        BufferedImage heat = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                heat.setRGB(x, y, jet(v[y * size + x]));
            }
        }
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(base, 0, 0, null);
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, alpha));
            g.drawImage(heat, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** A blue-cyan-yellow-red ramp for t in [0, 1]. */
    static int jet(float t) {
        float r = clamp(1.5f - Math.abs(4 * t - 3));
        float g = clamp(1.5f - Math.abs(4 * t - 2));
        float b = clamp(1.5f - Math.abs(4 * t - 1));
        return (Math.round(r * 255) << 16) | (Math.round(g * 255) << 8) | Math.round(b * 255);
    }

    private static float clamp(float x) {
        return Math.max(0, Math.min(1, x));
    }

    /** PNG bytes of an image (ImageIO). */
    public static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, "png", out)) {
                throw new IllegalStateException("no PNG writer");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
