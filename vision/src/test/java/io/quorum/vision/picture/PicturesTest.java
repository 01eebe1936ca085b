package io.quorum.vision.picture;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Dimension;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PicturesTest {

    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private static BufferedImage readPng(Path file) throws Exception {
        byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(file), 8);
        assertThat(head).as("PNG signature of " + file).isEqualTo(PNG_MAGIC);
        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img).as("decodable " + file).isNotNull();
        return img;
    }

    private static float[] stroke(int height, int width, int column) {
        float[] x = new float[height * width];
        for (int r = 4; r < height - 4; r++) {
            x[r * width + column] = 1f;
        }
        return x;
    }

    @Test
    void theGridIsAPngOfTheAnnouncedSizeWithInkWhereTheDigitsAre(@TempDir Path dir) throws Exception {
        List<DigitGrid.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            float[] clean = stroke(28, 28, 14);
            float[] adv = clean.clone();
            adv[0] = 0.3f;
            entries.add(new DigitGrid.Entry(clean, adv, 1, 1, 0.99, 7, 0.81));
        }
        entries.add(new DigitGrid.Entry(null, stroke(28, 28, 3), -1, -1, Double.NaN, 4, 0.995)); // a fooling image
        Path file = DigitGrid.write(dir.resolve("grid/adversarial.png"), "FGSM eps 0.3", entries, 28, 28,
                io.quorum.vision.data.DigitSets.DIGITS, 4, 3);
        BufferedImage img = readPng(file);
        Dimension expected = DigitGrid.size(8, 4, 28, 28, 3);
        assertThat(img.getWidth()).isEqualTo(expected.width);
        assertThat(img.getHeight()).isEqualTo(expected.height);
        assertThat(expected.width).isEqualTo(2 * DigitGrid.MARGIN + 4 * (2 * 84 + DigitGrid.GAP) + 3 * DigitGrid.PAIR_GAP);
        // the first clean image: its stroke (column 14, rows 4..23) is black, its background white
        int cw = DigitGrid.cellWidth(28, 3);
        int x0 = DigitGrid.MARGIN + (cw - 84) / 2;
        int y0 = DigitGrid.MARGIN + DigitGrid.TITLE + DigitGrid.HEADER;
        assertThat(img.getRGB(x0 + 14 * 3 + 1, y0 + 10 * 3 + 1) & 0xFFFFFF).isEqualTo(0x000000);
        assertThat(img.getRGB(x0 + 5 * 3 + 1, y0 + 10 * 3 + 1) & 0xFFFFFF).isEqualTo(0xFFFFFF);
    }

    @Test
    void tsneSeparatesTwoWellSeparatedClusters() {
        Random r = new Random(1);
        int n = 60;
        float[][] x = new float[2 * n][50];
        for (int i = 0; i < 2 * n; i++) {
            for (int j = 0; j < 50; j++) {
                x[i][j] = (float) (r.nextGaussian() + (i < n ? 0 : 8));
            }
        }
        double[][] y = TsnePlot.embed(x, 7, 500);
        assertThat(y).hasNumberOfRows(2 * n);
        // every point's nearest neighbour in the plane comes from its own cluster
        for (int i = 0; i < 2 * n; i++) {
            int best = -1;
            double bd = Double.MAX_VALUE;
            for (int k = 0; k < 2 * n; k++) {
                double d = Math.hypot(y[i][0] - y[k][0], y[i][1] - y[k][1]);
                if (k != i && d < bd) {
                    bd = d;
                    best = k;
                }
            }
            assertThat(best < n).as("neighbour of point %d", i).isEqualTo(i < n);
        }
        // and the clusters lie far apart compared with their own spread
        double[] c0 = centroid(y, 0, n);
        double[] c1 = centroid(y, n, 2 * n);
        double between = Math.hypot(c0[0] - c1[0], c0[1] - c1[1]);
        assertThat(between).isGreaterThan(2 * Math.max(spread(y, 0, n, c0), spread(y, n, 2 * n, c1)));
        // seeded: the same input gives the same picture
        assertThat(TsnePlot.embed(x, 7, 500)).isDeepEqualTo(y);
    }

    private static double[] centroid(double[][] y, int from, int to) {
        double[] c = new double[2];
        for (int i = from; i < to; i++) {
            c[0] += y[i][0] / (to - from);
            c[1] += y[i][1] / (to - from);
        }
        return c;
    }

    private static double spread(double[][] y, int from, int to, double[] c) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += Math.hypot(y[i][0] - c[0], y[i][1] - c[1]) / (to - from);
        }
        return s;
    }

    @Test
    void theThreeTsnePicturesArePngsOfTheRequestedSize(@TempDir Path dir) throws Exception {
        Random r = new Random(2);
        float[][] clean = new float[40][16];
        float[][] adv = new float[20][16];
        int[] yc = new int[40];
        int[] ya = new int[20];
        for (int i = 0; i < 40; i++) {
            yc[i] = i % 4;
            for (int j = 0; j < 16; j++) {
                clean[i][j] = (float) (r.nextGaussian() * 0.3 + (j == yc[i] ? 5 : 0));
            }
        }
        for (int i = 0; i < 20; i++) {
            ya[i] = i % 4;
            for (int j = 0; j < 16; j++) {
                adv[i][j] = (float) r.nextGaussian();
            }
        }
        TsnePlot.Projection p = TsnePlot.project(clean, yc, adv, ya, 3, 300);
        assertThat(p.coordinates()).hasNumberOfRows(60);
        assertThat(p.adversarial()[39]).isFalse();
        assertThat(p.adversarial()[40]).isTrue();
        List<Path> files = TsnePlot.write(dir, "tsne", p, List.of("a", "b", "c", "d"), "test", 640, 480);
        assertThat(files).extracting(f -> f.getFileName().toString())
                .containsExactly("tsne-clean.png", "tsne-adversarial.png", "tsne-both.png");
        for (Path f : files) {
            BufferedImage img = readPng(f);
            assertThat(img.getWidth()).isEqualTo(640);
            assertThat(img.getHeight()).isEqualTo(480);
        }
    }
}
