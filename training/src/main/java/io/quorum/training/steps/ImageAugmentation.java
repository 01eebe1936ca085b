package io.quorum.training.steps;

import java.util.Random;

/**
 * Random affine augmentation of grayscale images (flattened row-major, intensities in [0, 1], 0 = background): a
 * shift, a rotation and a scaling about the image centre, sampled by bilinear interpolation with background outside
 * the image. Labels are untouched (small shifts, rotations and scalings keep a digit's and a garment's class) and the
 * result stays in [0, 1] (a convex combination of pixels in [0, 1] and background).
 *
 * @param maxShift   largest shift in pixels, each axis uniform in [-maxShift, maxShift]
 * @param maxDegrees largest rotation in degrees, uniform in [-maxDegrees, maxDegrees]
 * @param maxScale   largest relative scaling, uniform in [1 - maxScale, 1 + maxScale]
 */
public record ImageAugmentation(double maxShift, double maxDegrees, double maxScale) {

    /** Shifts of up to 2 pixels, rotations of up to 10 degrees, scaling by up to 10%. */
    public static final ImageAugmentation DEFAULT = new ImageAugmentation(2, 10, 0.1);

    public ImageAugmentation {
        if (maxShift < 0 || maxDegrees < 0 || maxScale < 0 || maxScale >= 1) {
            throw new IllegalArgumentException("shift and rotation must be >= 0, scale in [0, 1)");
        }
    }

    /** A randomly transformed copy of every image (each with its own draw, in order, from {@code rnd}). */
    public float[][] apply(float[][] images, int height, int width, Random rnd) {
        float[][] out = new float[images.length][];
        for (int i = 0; i < images.length; i++) {
            double dx = (2 * rnd.nextDouble() - 1) * maxShift;
            double dy = (2 * rnd.nextDouble() - 1) * maxShift;
            double angle = Math.toRadians((2 * rnd.nextDouble() - 1) * maxDegrees);
            double scale = 1 + (2 * rnd.nextDouble() - 1) * maxScale;
            out[i] = transform(images[i], height, width, dx, dy, angle, scale);
        }
        return out;
    }

    /**
     * {@code image} rotated by {@code angle} radians and scaled by {@code scale} about its centre, then shifted by
     * ({@code dx}, {@code dy}) pixels (x to the right, y down). Each output pixel samples the source at the inverse
     * transform of its position, bilinearly; positions outside the image read background (0).
     */
    public static float[] transform(float[] image, int height, int width, double dx, double dy, double angle, double scale) {
        float[] out = new float[height * width];
        double cy = (height - 1) / 2.0;
        double cx = (width - 1) / 2.0;
        double cos = Math.cos(angle) / scale;
        double sin = Math.sin(angle) / scale;
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                double x = c - cx - dx;
                double y = r - cy - dy;
                // inverse rotation and scaling of the output position
                double sx = cos * x + sin * y + cx;
                double sy = -sin * x + cos * y + cy;
                out[r * width + c] = (float) Math.min(1.0, Math.max(0.0, bilinear(image, height, width, sy, sx)));
            }
        }
        return out;
    }

    private static double bilinear(float[] img, int h, int w, double y, double x) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        return (1 - fy) * ((1 - fx) * at(img, h, w, y0, x0) + fx * at(img, h, w, y0, x0 + 1))
                + fy * ((1 - fx) * at(img, h, w, y0 + 1, x0) + fx * at(img, h, w, y0 + 1, x0 + 1));
    }

    private static double at(float[] img, int h, int w, int y, int x) {
        return y < 0 || y >= h || x < 0 || x >= w ? 0 : img[y * w + x];
    }
}
