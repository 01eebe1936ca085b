package io.quorum.vision.data;

import io.quorum.shared.data.IdxReader;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * The image data sets Quorum knows by name, read from IDX files in the data directory, and IDX writing for the
 * adversarial data sets it makes.
 *
 * <ul>
 *   <li>{@code mnist}: {@code mnist/mnist-8k-*} (8,000 real MNIST digits: split them yourself, {@link DigitSet#split});
 *   <li>{@code fashion-mnist} or {@code fashion-mnist:train}: the 60,000 training images;
 *       {@code fashion-mnist:test}: the 10,000 test images;</li>
 *   <li>{@code IMAGES|LABELS}: any pair of IDX files (gzip or not), relative to the data directory or absolute.</li>
 * </ul>
 */
public final class DigitSets {

    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");
    public static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private DigitSets() {
    }

    /** The IDX image and label files of a named set, relative to the data directory. */
    public static Path[] files(String ref, Path dataDir) {
        String r = ref.trim();
        return switch (r) {
            case "mnist" -> new Path[] {dataDir.resolve("mnist/mnist-8k-images-idx3-ubyte.gz"),
                    dataDir.resolve("mnist/mnist-8k-labels-idx1-ubyte.gz")};
            case "fashion-mnist", "fashion-mnist:train" -> new Path[] {dataDir.resolve("fashion-mnist/train-images-idx3-ubyte.gz"),
                    dataDir.resolve("fashion-mnist/train-labels-idx1-ubyte.gz")};
            case "fashion-mnist:test" -> new Path[] {dataDir.resolve("fashion-mnist/t10k-images-idx3-ubyte.gz"),
                    dataDir.resolve("fashion-mnist/t10k-labels-idx1-ubyte.gz")};
            default -> {
                int bar = r.indexOf('|');
                if (bar < 0) {
                    throw new IllegalArgumentException("unknown data set '" + ref + "': mnist, fashion-mnist[:train|:test] "
                            + "or IMAGES.idx|LABELS.idx");
                }
                yield new Path[] {dataDir.resolve(r.substring(0, bar)), dataDir.resolve(r.substring(bar + 1))};
            }
        };
    }

    /** The class names of a named set (digits unless it is Fashion-MNIST). */
    public static List<String> classesOf(String ref) {
        return ref.trim().startsWith("fashion-mnist") ? FASHION : DIGITS;
    }

    /** Loads a named set from the data directory. */
    public static DigitSet load(String ref, Path dataDir) throws IOException {
        Path[] f = files(ref, dataDir);
        return read(ref, f[0], f[1], classesOf(ref));
    }

    /** Reads an IDX image file ({@code [n, rows, cols]}) and its label file ({@code [n]}). */
    public static DigitSet read(String name, Path images, Path labels, List<String> classes) throws IOException {
        IdxReader.IdxArray x = IdxReader.read(images);
        IdxReader.IdxArray y = IdxReader.read(labels);
        if (x.dims().length != 3) {
            throw new IOException(images + ": an image file has 3 dimensions (n, rows, cols), not " + x.dims().length);
        }
        if (y.dims().length != 1 || y.count() != x.count()) {
            throw new IOException(labels + ": " + y.count() + " labels for " + x.count() + " images");
        }
        int n = x.count();
        float[][] imgs = new float[n][];
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            imgs[i] = x.itemScaled(i);
            lab[i] = y.get(i, 0);
        }
        return new DigitSet(name, imgs, lab, x.dims()[1], x.dims()[2], classes);
    }

    /**
     * Writes {@code set} as gzip IDX files: images as unsigned bytes (intensities rounded to the nearest 1/255, as
     * every IDX reader expects) and labels. Returns {@code [images, labels]}.
     */
    public static Path[] writeIdx(DigitSet set, Path dir, String prefix) throws IOException {
        Files.createDirectories(dir);
        Path images = dir.resolve(prefix + "-images-idx3-ubyte.gz");
        Path labels = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        try (DataOutputStream out = gzip(images)) {
            out.writeInt(0x00000803);
            out.writeInt(set.size());
            out.writeInt(set.height());
            out.writeInt(set.width());
            for (float[] img : set.images()) {
                for (float v : img) {
                    out.writeByte(Math.round(Math.max(0f, Math.min(1f, v)) * 255f));
                }
            }
        }
        try (DataOutputStream out = gzip(labels)) {
            out.writeInt(0x00000801);
            out.writeInt(set.size());
            for (int y : set.labels()) {
                out.writeByte(y);
            }
        }
        return new Path[] {images, labels};
    }

    private static DataOutputStream gzip(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        return new DataOutputStream(new java.io.BufferedOutputStream(new GZIPOutputStream(raw, 1 << 16), 1 << 16));
    }
}
