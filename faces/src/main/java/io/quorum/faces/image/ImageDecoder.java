package io.quorum.faces.image;

import io.quorum.faces.image.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes photo bytes with the JDK's {@code javax.imageio} readers (JPEG, PNG, BMP, GIF), guarded: the byte size is
 * checked first, then the format is sniffed and the declared width and height are read from the header alone, and
 * only an image within {@link Limits} is decoded. Reader warnings (the JPEG reader reports a premature end of data as a
 * warning and returns grey rows) and exceptions become typed {@link ImageRejectedException}s. The result is always
 * {@code TYPE_INT_RGB} (alpha dropped onto black, greys and palettes expanded).
 */
public final class ImageDecoder {

    /**
     * Bounds on what is decoded.
     *
     * @param maxBytes     the largest encoded input
     * @param maxPixels    the most pixels a header may declare (width x height)
     * @param maxDimension the longest side a header may declare
     */
    public record Limits(long maxBytes, long maxPixels, int maxDimension) {
        /** 20 MB, 40 megapixels, 12,000 pixels a side: any phone photo passes, a 50,000 x 50,000 bomb does not. */
        public static Limits defaults() {
            return new Limits(20L * 1024 * 1024, 40_000_000L, 12_000);
        }
    }

    static {
        ImageIO.setUseCache(false);
    }

    private final Limits limits;

    public ImageDecoder(Limits limits) {
        this.limits = limits;
    }

    public ImageDecoder() {
        this(Limits.defaults());
    }

    /** The header facts read before decoding. */
    public record Header(String format, int width, int height) {
    }

    /** Reads the format and declared size without decoding pixels; refuses what {@link #decode} would refuse early. */
    public Header header(byte[] bytes) throws ImageRejectedException {
        try (ImageInputStream in = open(bytes)) {
            ImageReader reader = reader(in);
            try {
                return header(reader);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageRejectedException(Reason.CORRUPT_IMAGE, "unreadable stream: " + e.getMessage(), e);
        }
    }

    /** Decodes {@code bytes} to an RGB image, or refuses it with a reason. */
    public BufferedImage decode(byte[] bytes) throws ImageRejectedException {
        try (ImageInputStream in = open(bytes)) {
            ImageReader reader = reader(in);
            try {
                Header h = header(reader);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((IIOReadWarningListener) (source, warning) -> warnings.add(warning));
                BufferedImage img;
                try {
                    img = reader.read(0);
                } catch (javax.imageio.IIOException e) {
                    String msg = String.valueOf(e.getMessage());
                    if (msg.contains("Unsupported Image Type") || msg.contains("Unsupported JPEG process")) {
                        throw new ImageRejectedException(Reason.UNSUPPORTED_IMAGE, h.format() + ": " + msg, e);
                    }
                    throw new ImageRejectedException(truncation(msg) ? Reason.TRUNCATED_IMAGE : Reason.CORRUPT_IMAGE,
                            h.format() + ": " + msg, e);
                } catch (IOException | RuntimeException e) {
                    // RuntimeExceptions (ArrayIndexOutOfBounds, IllegalArgument...) are how some readers fail on garbage
                    String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
                    throw new ImageRejectedException(truncation(msg) || e instanceof java.io.EOFException
                            ? Reason.TRUNCATED_IMAGE : Reason.CORRUPT_IMAGE, h.format() + ": " + msg, e);
                }
                for (String w : warnings) {
                    throw new ImageRejectedException(truncation(w) ? Reason.TRUNCATED_IMAGE : Reason.CORRUPT_IMAGE,
                            h.format() + ": " + w);
                }
                if (img == null) {
                    throw new ImageRejectedException(Reason.CORRUPT_IMAGE, h.format() + ": the reader returned no image");
                }
                return toRgb(img);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new ImageRejectedException(Reason.CORRUPT_IMAGE, "unreadable stream: " + e.getMessage(), e);
        }
    }

    private ImageInputStream open(byte[] bytes) throws ImageRejectedException, IOException {
        if (bytes == null || bytes.length == 0) {
            throw new ImageRejectedException(Reason.NOT_AN_IMAGE, "empty input");
        }
        if (bytes.length > limits.maxBytes()) {
            throw new ImageRejectedException(Reason.OVERSIZED_INPUT, bytes.length + " bytes > limit " + limits.maxBytes());
        }
        ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes));
        if (in == null) {
            throw new IOException("no image input stream");
        }
        return in;
    }

    private static ImageReader reader(ImageInputStream in) throws ImageRejectedException {
        Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
        if (!readers.hasNext()) {
            throw new ImageRejectedException(Reason.NOT_AN_IMAGE, "no image reader recognises the data");
        }
        ImageReader reader = readers.next();
        reader.setInput(in, true, true);
        return reader;
    }

    private Header header(ImageReader reader) throws ImageRejectedException {
        String format;
        int w;
        int h;
        try {
            format = reader.getFormatName().toLowerCase(java.util.Locale.ROOT);
            w = reader.getWidth(0);
            h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
            String msg = e.getClass().getSimpleName() + ": " + e.getMessage();
            throw new ImageRejectedException(truncation(msg) ? Reason.TRUNCATED_IMAGE : Reason.CORRUPT_IMAGE,
                    "header: " + msg, e);
        }
        if (w <= 0 || h <= 0) {
            throw new ImageRejectedException(Reason.CORRUPT_IMAGE, format + ": declared size " + w + "x" + h);
        }
        if (w > limits.maxDimension() || h > limits.maxDimension() || (long) w * h > limits.maxPixels()) {
            throw new ImageRejectedException(Reason.DECOMPRESSION_BOMB, format + " declares " + w + "x" + h + " ("
                    + (long) w * h + " pixels; limits " + limits.maxPixels() + " pixels, " + limits.maxDimension()
                    + " a side); not decoded");
        }
        return new Header(format, w, h);
    }

    private static boolean truncation(String msg) {
        String m = msg.toLowerCase(java.util.Locale.ROOT);
        return m.contains("premature end") || m.contains("eof") || m.contains("end of file") || m.contains("truncated")
                || m.contains("unexpected end");
    }

    /** A copy in {@code TYPE_INT_RGB} (alpha composited onto black), or the image itself when it already is. */
    public static BufferedImage toRgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        BufferedImage rgb = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        var g = rgb.createGraphics();
        try {
            g.drawImage(img, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }
}
