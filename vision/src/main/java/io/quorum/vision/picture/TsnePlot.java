package io.quorum.vision.picture;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import smile.manifold.TSNE;

/**
 * The seed's three t-SNE projections of the last hidden layer (the model's {@code features} output): the clean test
 * instances, the adversarial instances, and both together, as PNG scatter plots. Clean and adversarial instances are
 * embedded together in one t-SNE run, so the three pictures share coordinates. Points are coloured by true class;
 * clean instances are dots, adversarial ones crosses.
 *
 * <p>t-SNE is Smile 2.6's exact {@link TSNE} (van der Maaten and Hinton 2008; O(n^2) per iteration: a few thousand
 * points at most), seeded; the plots are XChart bitmaps, drawn headless.
 */
public final class TsnePlot {

    /** Ten distinguishable class colours (the "tab10" palette). */
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
            new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
            new Color(0x17becf)};

    /**
     * Points in the plane, one per instance.
     *
     * @param coordinates {@code [n][2]}
     * @param classes     the colour of each point (its true class)
     * @param adversarial whether each point is an adversarial instance
     */
    public record Projection(double[][] coordinates, int[] classes, boolean[] adversarial) {
    }

    private TsnePlot() {
    }

    /**
     * A 2-D t-SNE embedding of {@code features}: perplexity {@code min(30, (n - 1) / 3)}, learning rate 200,
     * {@code iterations} iterations (1,000 is the usual), seeded.
     */
    public static double[][] embed(float[][] features, long seed, int iterations) {
        int n = features.length;
        if (n < 4) {
            throw new IllegalArgumentException("t-SNE needs at least 4 points, not " + n);
        }
        double[][] x = new double[n][];
        for (int i = 0; i < n; i++) {
            x[i] = new double[features[i].length];
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] = features[i][j];
            }
        }
        double perplexity = Math.min(30.0, (n - 1) / 3.0);
        synchronized (TsnePlot.class) { // Smile draws the start from its per-thread generator: seed it, then use it
            smile.math.MathEx.setSeed(seed);
            return new TSNE(x, 2, perplexity, 200, iterations).coordinates;
        }
    }

    /** Clean and adversarial instances embedded together (clean first). */
    public static Projection project(float[][] cleanFeatures, int[] cleanClasses, float[][] adversarialFeatures,
                                     int[] adversarialClasses, long seed, int iterations) {
        int n = cleanFeatures.length;
        int m = adversarialFeatures.length;
        float[][] all = new float[n + m][];
        int[] classes = new int[n + m];
        boolean[] adv = new boolean[n + m];
        for (int i = 0; i < n; i++) {
            all[i] = cleanFeatures[i];
            classes[i] = cleanClasses[i];
        }
        for (int i = 0; i < m; i++) {
            all[n + i] = adversarialFeatures[i];
            classes[n + i] = adversarialClasses[i];
            adv[n + i] = true;
        }
        return new Projection(embed(all, seed, iterations), classes, adv);
    }

    /**
     * Writes the three pictures of {@code p} into {@code dir}: {@code <prefix>-clean.png}, {@code <prefix>-adversarial.png}
     * and {@code <prefix>-both.png}, {@code width x height} pixels each; returns their paths.
     */
    public static List<Path> write(Path dir, String prefix, Projection p, List<String> classNames, String title,
                                   int width, int height) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        out.add(writeOne(dir.resolve(prefix + "-clean.png"), p, classNames, title + ": clean", true, false, width, height));
        out.add(writeOne(dir.resolve(prefix + "-adversarial.png"), p, classNames, title + ": adversarial", false, true,
                width, height));
        out.add(writeOne(dir.resolve(prefix + "-both.png"), p, classNames, title + ": clean (dots) and adversarial (crosses)",
                true, true, width, height));
        return out;
    }

    /** One scatter plot of the clean and/or adversarial points of {@code p}. */
    public static Path writeOne(Path file, Projection p, List<String> classNames, String title, boolean clean,
                                boolean adversarial, int width, int height) throws IOException {
        Headless.ensure();
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).build();
        Styler.LegendPosition legend = Styler.LegendPosition.OutsideE;
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(legend);
        chart.getStyler().setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.getStyler().setAxisTicksVisible(false);
        chart.getStyler().setAntiAlias(true);
        int classes = 0;
        for (int c : p.classes()) {
            classes = Math.max(classes, c + 1);
        }
        boolean any = false;
        for (int kind = 0; kind < 2; kind++) {
            boolean adv = kind == 1;
            if ((adv && !adversarial) || (!adv && !clean)) {
                continue;
            }
            for (int c = 0; c < classes; c++) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (int i = 0; i < p.classes().length; i++) {
                    if (p.classes()[i] == c && p.adversarial()[i] == adv) {
                        xs.add(p.coordinates()[i][0]);
                        ys.add(p.coordinates()[i][1]);
                    }
                }
                if (xs.isEmpty()) {
                    continue;
                }
                String name = (c < classNames.size() ? classNames.get(c) : Integer.toString(c)) + (adv ? " adv" : "");
                XYSeries s = chart.addSeries(name, xs, ys);
                s.setMarker(adv ? SeriesMarkers.CROSS : SeriesMarkers.CIRCLE);
                s.setMarkerColor(PALETTE[c % PALETTE.length]);
                any = true;
            }
        }
        if (!any) {
            throw new IllegalArgumentException("nothing to plot in " + file.getFileName());
        }
        byte[] png = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, png);
        return file;
    }

    /** A short description of a projection, for logs. */
    public static String describe(Projection p) {
        int adv = 0;
        for (boolean a : p.adversarial()) {
            adv += a ? 1 : 0;
        }
        return String.format(Locale.ROOT, "%d points (%d clean, %d adversarial)", p.classes().length,
                p.classes().length - adv, adv);
    }
}
