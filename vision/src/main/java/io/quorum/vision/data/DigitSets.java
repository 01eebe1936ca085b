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

    /**
     * Reads an IDX image file ({@code [n, rows, cols]}, unsigned bytes or float32 intensities) and its label file
     * ({@code [n]}, unsigned bytes). A float32 value that is not finite or lies outside [0, 1] is refused.
     */
    public static DigitSet read(String name, Path images, Path labels, List<String> classes) throws IOException {
        return read(name, images, labels, classes, -1);
    }

    /**
     * Like {@link #read(String, Path, Path, List)}, but only the first {@code maxItems} images and labels (all when
     * negative): the rest of the files is not inflated. The two headers must still declare the same number of items.
     */
    public static DigitSet read(String name, Path images, Path labels, List<String> classes, int maxItems)
            throws IOException {
        IdxReader.IdxArray x = IdxReader.read(images, maxItems);
        IdxReader.IdxArray y = IdxReader.read(labels, maxItems);
        if (x.dims().length != 3) {
            throw new IOException(images + ": an image file has 3 dimensions (n, rows, cols), not " + x.dims().length);
        }
        if (y.type() != IdxReader.UNSIGNED_BYTE) {
            throw new IOException(labels + ": labels are unsigned bytes (IDX type 0x08), not type 0x"
                    + Integer.toHexString(y.type()));
        }
        if (y.dims().length != 1 || y.count() != x.count()) {
            throw new IOException(labels + ": " + y.count() + " labels for " + x.count() + " images");
        }
        if (x.declaredCount() != y.declaredCount()) {
            throw new IOException(labels + ": " + y.declaredCount() + " labels for " + x.declaredCount() + " images");
        }
        int n = x.count();
        float[][] imgs = new float[n][];
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            imgs[i] = x.itemScaled(i);
            lab[i] = y.get(i, 0);
            if (x.type() == IdxReader.FLOAT32) {
                checkIntensities(images, i, imgs[i]);
            }
        }
        return new DigitSet(name, imgs, lab, x.dims()[1], x.dims()[2], classes);
    }

    private static void checkIntensities(Path file, int index, float[] image) throws IOException {
        for (int j = 0; j < image.length; j++) {
            float v = image[j];
            if (!(v >= 0f && v <= 1f)) {
                throw new IOException(file + ": image " + index + " pixel " + j + " is " + v + ", not an intensity in [0, 1]");
            }
        }
    }

    /** How {@link #writeIdx} stores the images. */
    public enum ImageEncoding {
        /** IDX unsigned bytes: intensities rounded to the nearest 1/255, what every MNIST reader expects. */
        UNSIGNED_BYTE("ubyte"),
        /** IDX float32 (type 0x0d, big-endian): the intensities exactly, e.g. an adversarial's eps-sized perturbation. */
        FLOAT32("float");

        private final String fileTag;

        ImageEncoding(String fileTag) {
            this.fileTag = fileTag;
        }

        /** The images file name's type tag ({@code <prefix>-images-idx3-<tag>.gz}). */
        public String fileTag() {
            return fileTag;
        }
    }

    /**
     * Writes {@code set} as gzip IDX files: images as unsigned bytes (intensities rounded to the nearest 1/255, as
     * every IDX reader expects) and labels. Returns {@code [images, labels]}.
     */
    public static Path[] writeIdx(DigitSet set, Path dir, String prefix) throws IOException {
        return writeIdx(set, dir, prefix, ImageEncoding.UNSIGNED_BYTE);
    }

    /**
     * Writes {@code set} as gzip IDX files, {@code <prefix>-images-idx3-<ubyte|float>.gz} in the given encoding and
     * {@code <prefix>-labels-idx1-ubyte.gz}. Returns {@code [images, labels]}.
     */
    public static Path[] writeIdx(DigitSet set, Path dir, String prefix, ImageEncoding encoding) throws IOException {
        Files.createDirectories(dir);
        Path images = dir.resolve(prefix + "-images-idx3-" + encoding.fileTag() + ".gz");
        Path labels = dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        boolean exact = encoding == ImageEncoding.FLOAT32;
        try (DataOutputStream out = gzip(images)) {
            out.writeInt(((exact ? IdxReader.FLOAT32 : IdxReader.UNSIGNED_BYTE) << 8) | 3);
            out.writeInt(set.size());
            out.writeInt(set.height());
            out.writeInt(set.width());
            java.nio.ByteBuffer row = java.nio.ByteBuffer.allocate(set.height() * set.width() * (exact ? 4 : 1));
            for (float[] img : set.images()) {
                row.clear();
                for (float v : img) {
                    if (exact) {
                        if (!(v >= 0f && v <= 1f)) {
                            throw new IllegalArgumentException("intensity " + v + " is outside [0, 1]");
                        }
                        row.putFloat(v);
                    } else {
                        row.put((byte) Math.round(Math.max(0f, Math.min(1f, v)) * 255f));
                    }
                }
                out.write(row.array(), 0, row.position());
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

    /** Gzip at the fastest level: files 20-35% larger than at the default level, written 4-5x faster. */
    private static DataOutputStream gzip(Path file) throws IOException {
        OutputStream raw = Files.newOutputStream(file);
        GZIPOutputStream gz = new GZIPOutputStream(raw, 1 << 16) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
            }
        };
        return new DataOutputStream(new java.io.BufferedOutputStream(gz, 1 << 16));
    }
}
