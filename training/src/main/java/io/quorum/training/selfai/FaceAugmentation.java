package io.quorum.training.selfai;

import java.util.Random;

/**
 * The Selfai augmentation of face crops stored as CHW floats in [0, 1]: rotation about the centre (uniform in
 * {@code +-rotationDegrees}), random scaling (uniform in {@code 1 +- scale}), both by one bilinear resampling with the
 * border pixels extended; a horizontal flip with probability 1/2 (exact: a mirror of the pixels); colour noise, a
 * per-channel gain uniform in {@code 1 +- colour} plus a brightness shift uniform in {@code +-colour/2}, clipped to
 * [0, 1]. All draws from the caller's seeded {@link Random}, in a fixed order per image.
 */
public record FaceAugmentation(double rotationDegrees, double scale, double colour, boolean flip) {

    /** Rotation 10 degrees, scaling 10%, colour noise 10%, flips. */
    public static final FaceAugmentation DEFAULT = new FaceAugmentation(10, 0.1, 0.1, true);

    /** An augmented copy of {@code img} ({@code [3, side, side]} row-major). */
    public float[] apply(float[] img, int side, Random rnd) {
        double angle = Math.toRadians((rnd.nextDouble() * 2 - 1) * rotationDegrees);
        double s = 1 + (rnd.nextDouble() * 2 - 1) * scale;
        boolean mirror = flip && rnd.nextBoolean();
        double[] gain = new double[3];
        for (int c = 0; c < 3; c++) {
            gain[c] = 1 + (rnd.nextDouble() * 2 - 1) * colour;
        }
        double shift = (rnd.nextDouble() * 2 - 1) * colour / 2;
        float[] out = (angle == 0 && s == 1) ? img.clone() : warp(img, side, angle, s);
        if (mirror) {
            mirror(out, side);
        }
        if (colour > 0) {
            int plane = side * side;
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    double v = out[c * plane + p] * gain[c] + shift;
                    out[c * plane + p] = (float) Math.max(0, Math.min(1, v));
                }
            }
        }
        return out;
    }

    /** Mirrors each row of each channel in place. */
    static void mirror(float[] img, int side) {
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < side; y++) {
                int row = (c * side + y) * side;
                for (int x = 0; x < side / 2; x++) {
                    float t = img[row + x];
                    img[row + x] = img[row + side - 1 - x];
                    img[row + side - 1 - x] = t;
                }
            }
        }
    }

    /** Output pixel (x, y) samples the input at the inverse rotation/scale about the centre, bilinear, edges clamped. */
    static float[] warp(float[] img, int side, double angle, double s) {
        float[] out = new float[img.length];
        double cx = (side - 1) / 2.0;
        double cos = Math.cos(angle) / s;
        double sin = Math.sin(angle) / s;
        int plane = side * side;
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                double dx = x - cx;
                double dy = y - cx;
                double sx = Math.max(0, Math.min(side - 1, cos * dx + sin * dy + cx));
                double sy = Math.max(0, Math.min(side - 1, -sin * dx + cos * dy + cx));
                int x0 = Math.min(side - 2, (int) Math.floor(sx));
                int y0 = Math.min(side - 2, (int) Math.floor(sy));
                double fx = sx - x0;
                double fy = sy - y0;
                for (int c = 0; c < 3; c++) {
                    int base = c * plane;
                    double v = (1 - fy) * ((1 - fx) * img[base + y0 * side + x0] + fx * img[base + y0 * side + x0 + 1])
                            + fy * ((1 - fx) * img[base + (y0 + 1) * side + x0] + fx * img[base + (y0 + 1) * side + x0 + 1]);
                    out[base + y * side + x] = (float) v;
                }
            }
        }
        return out;
    }
}
