package io.quorum.vision.picture;

import io.quorum.vision.attack.AttackReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The seed's "adversarial samples" picture as a PNG: clean and adversarial images side by side, the target's predicted
 * class and its confidence under each (green when it is the true class, red when not), {@code perRow} pairs per row.
 * A fooling image (no clean image) gets a grey "noise" cell beside it. Plain Java2D, headless.
 */
public final class DigitGrid {

    /**
     * One clean/adversarial pair and the target's verdicts.
     *
     * @param clean            the clean image, flattened, [0, 1] (null for a fooling image)
     * @param adversarial      the adversarial image
     * @param label            the true class (-1: none, as for fooling images)
     */
    public record Entry(float[] clean, float[] adversarial, int label, int predictionBefore, double confidenceBefore,
                        int predictionAfter, double confidenceAfter) {
    }

    static final int MARGIN = 8;
    static final int TITLE = 26;
    static final int HEADER = 16;
    static final int CAPTION = 16;
    static final int GAP = 4;
    static final int PAIR_GAP = 14;
    static final int MIN_CELL = 72;

    private DigitGrid() {
    }

    /** The entries of the first {@code limit} images of an attack report. */
    public static List<Entry> entries(AttackReport report, float[][] clean, float[][] adversarial, int[] labels, int limit) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < Math.min(limit, report.size()); i++) {
            AttackReport.Item it = report.item(i);
            out.add(new Entry(clean == null ? null : clean[i], adversarial[i], labels == null ? -1 : labels[i],
                    it.predictionBefore(), it.confidenceBefore(), it.predictionAfter(), it.confidenceAfter()));
        }
        return out;
    }

    /** Width of one cell: the image at {@code scale}, at least wide enough for a caption. */
    static int cellWidth(int width, int scale) {
        return Math.max(width * scale, MIN_CELL);
    }

    /** The size of the PNG {@link #write} makes. */
    public static Dimension size(int entries, int perRow, int height, int width, int scale) {
        int cols = Math.max(1, Math.min(perRow, entries));
        int rows = Math.max(1, (entries + perRow - 1) / perRow);
        int pairW = 2 * cellWidth(width, scale) + GAP;
        int w = 2 * MARGIN + cols * pairW + (cols - 1) * PAIR_GAP;
        int h = 2 * MARGIN + TITLE + rows * (HEADER + height * scale + CAPTION + GAP);
        return new Dimension(w, h);
    }

    /**
     * Draws {@code entries} ({@code height x width} images, enlarged {@code scale} times) and writes them to
     * {@code file} as PNG; returns {@code file}.
     */
    public static Path write(Path file, String title, List<Entry> entries, int height, int width, List<String> classes,
                             int perRow, int scale) throws IOException {
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no images to draw");
        }
        if (perRow < 1 || scale < 1) {
            throw new IllegalArgumentException("perRow and scale must be >= 1");
        }
        Headless.ensure();
        Dimension d = size(entries.size(), perRow, height, width, scale);
        BufferedImage img = new BufferedImage(d.width, d.height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, d.width, d.height);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, MARGIN, MARGIN + 16);
            Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
            g.setFont(small);
            int cw = cellWidth(width, scale);
            int rowH = HEADER + height * scale + CAPTION + GAP;
            for (int k = 0; k < entries.size(); k++) {
                Entry e = entries.get(k);
                int col = k % perRow;
                int row = k / perRow;
                int x = MARGIN + col * (2 * cw + GAP + PAIR_GAP);
                int y = MARGIN + TITLE + row * rowH;
                g.setColor(Color.DARK_GRAY);
                centered(g, e.label() >= 0 ? "clean (" + name(classes, e.label()) + ")" : "start", x, cw, y + 12);
                centered(g, e.clean() != null ? "adversarial" : "evolved", x + cw + GAP, cw, y + 12);
                int iy = y + HEADER;
                if (e.clean() != null) {
                    drawImage(g, e.clean(), height, width, scale, x + (cw - width * scale) / 2, iy);
                    caption(g, classes, e.predictionBefore(), e.confidenceBefore(), e.label(), x, cw, iy + height * scale + 12);
                } else {
                    g.setColor(new Color(0xDD, 0xDD, 0xDD));
                    g.fillRect(x + (cw - width * scale) / 2, iy, width * scale, height * scale);
                    g.setColor(Color.DARK_GRAY);
                    centered(g, "noise", x, cw, iy + height * scale / 2);
                }
                drawImage(g, e.adversarial(), height, width, scale, x + cw + GAP + (cw - width * scale) / 2, iy);
                caption(g, classes, e.predictionAfter(), e.confidenceAfter(), e.label(), x + cw + GAP, cw,
                        iy + height * scale + 12);
            }
        } finally {
            g.dispose();
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer");
        }
        return file;
    }

    private static void caption(Graphics2D g, List<String> classes, int prediction, double confidence, int label, int x,
                                int w, int y) {
        if (prediction < 0) {
            return;
        }
        g.setColor(label < 0 ? Color.DARK_GRAY : prediction == label ? new Color(0x1B, 0x7F, 0x2A) : new Color(0xC0, 0x1B, 0x1B));
        centered(g, name(classes, prediction) + String.format(Locale.ROOT, " %.2f", confidence), x, w, y);
    }

    private static String name(List<String> classes, int c) {
        return classes != null && c >= 0 && c < classes.size() ? classes.get(c) : Integer.toString(c);
    }

    private static void centered(Graphics2D g, String s, int x, int w, int baseline) {
        FontMetrics fm = g.getFontMetrics();
        String t = s;
        if (fm.stringWidth(t) > w) {
            while (t.length() > 1 && fm.stringWidth(t + "…") > w) {
                t = t.substring(0, t.length() - 1);
            }
            t = t + "…";
        }
        g.drawString(t, x + Math.max(0, (w - fm.stringWidth(t)) / 2), baseline);
    }

    /** Intensity 0 is drawn white and 1 black (ink on paper), each pixel a {@code scale x scale} square. */
    private static void drawImage(Graphics2D g, float[] px, int height, int width, int scale, int x0, int y0) {
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                float v = Math.max(0f, Math.min(1f, px[r * width + c]));
                int grey = Math.round(255 * (1 - v));
                g.setColor(new Color(grey, grey, grey));
                g.fillRect(x0 + c * scale, y0 + r * scale, scale, scale);
            }
        }
        g.setColor(Color.LIGHT_GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(x0 - 1, y0 - 1, width * scale + 1, height * scale + 1);
    }
}
