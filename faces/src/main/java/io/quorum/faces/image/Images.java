package io.quorum.faces.image;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/** Resampling and tensor packing for RGB images (Java2D bilinear; large reductions go by halves to avoid aliasing). */
public final class Images {

    private Images() {
    }

    /** Scales {@code src} to {@code w x h} (bilinear, halving first while the reduction exceeds 2x). */
    public static BufferedImage resize(BufferedImage src, int w, int h) {
        BufferedImage cur = ImageDecoder.toRgb(src);
        while (cur.getWidth() >= 2 * w && cur.getHeight() >= 2 * h) {
            cur = draw(cur, cur.getWidth() / 2, cur.getHeight() / 2, AffineTransform.getScaleInstance(
                    (cur.getWidth() / 2) / (double) cur.getWidth(), (cur.getHeight() / 2) / (double) cur.getHeight()));
        }
        if (cur.getWidth() == w && cur.getHeight() == h) {
            return cur;
        }
        return draw(cur, w, h, AffineTransform.getScaleInstance(w / (double) cur.getWidth(), h / (double) cur.getHeight()));
    }

    /** Renders {@code src} through {@code t} onto a black {@code w x h} canvas, bilinear. */
    public static BufferedImage draw(BufferedImage src, int w, int h, AffineTransform t) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, t, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Mirror image (left-right). */
    public static BufferedImage flipHorizontal(BufferedImage src) {
        AffineTransform t = new AffineTransform(-1, 0, 0, 1, src.getWidth(), 0);
        return draw(ImageDecoder.toRgb(src), src.getWidth(), src.getHeight(), t);
    }

    /** Packs an RGB image as NHWC floats {@code channel * scale + offset} into {@code out} at {@code offset}. */
    public static void toNhwc(BufferedImage img, float scale, float shift, float[] out, int at) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        int k = at;
        for (int p : rgb) {
            out[k++] = ((p >>> 16) & 0xff) * scale + shift;
            out[k++] = ((p >>> 8) & 0xff) * scale + shift;
            out[k++] = (p & 0xff) * scale + shift;
        }
    }
}
