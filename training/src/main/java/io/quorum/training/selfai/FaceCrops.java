package io.quorum.training.selfai;

import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.Images;
import io.quorum.shared.data.ImageScoreList;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Aligned face crops and their scores, resized once to {@code side x side} exactly the way the image-scoring
 * service resizes a crop for a model of that size ({@link Images#resize}), held as CHW floats in [0, 1].
 *
 * @param images {@code [3, side, side]} per crop
 */
public record FaceCrops(List<String> names, float[][] images, double[] scores, int side) {

    public int size() {
        return images.length;
    }

    /** Reads the first {@code limit} present crops of a scores file ({@code path score} lines relative to {@code base}). */
    public static FaceCrops read(Path list, Path base, int side, int limit) throws IOException {
        List<ImageScoreList.ImageScore> entries = ImageScoreList.read(list, base).entries();
        if (entries.size() > limit) {
            entries = entries.subList(0, limit);
        }
        ImageDecoder decoder = new ImageDecoder();
        float[][] x = new float[entries.size()][];
        double[] y = new double[entries.size()];
        List<String> names = entries.stream().map(e -> base.relativize(e.image()).toString()).toList();
        for (int i = 0; i < x.length; i++) {
            BufferedImage img;
            try {
                img = decoder.decode(Files.readAllBytes(entries.get(i).image()));
            } catch (ImageRejectedException e) {
                throw new IOException(names.get(i) + ": " + e.getMessage(), e);
            }
            x[i] = chw(Images.resize(img, side, side));
            y[i] = entries.get(i).score();
        }
        return new FaceCrops(names, x, y, side);
    }

    /** An RGB image as CHW floats in [0, 1]. */
    static float[] chw(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] out = new float[3 * w * h];
        int plane = w * h;
        for (int p = 0; p < plane; p++) {
            out[p] = ((rgb[p] >>> 16) & 0xff) / 255f;
            out[plane + p] = ((rgb[p] >>> 8) & 0xff) / 255f;
            out[2 * plane + p] = (rgb[p] & 0xff) / 255f;
        }
        return out;
    }

    /** CHW [0, 1] crops as the service feeds them: NHWC, RGB 0..255 (exact: the crops were 8-bit). */
    public static float[] nhwc(float[][] chw, int side) {
        int plane = side * side;
        float[] out = new float[chw.length * plane * 3];
        for (int n = 0; n < chw.length; n++) {
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) {
                    out[(n * plane + p) * 3 + c] = Math.round(chw[n][c * plane + p] * 255f);
                }
            }
        }
        return out;
    }
}
