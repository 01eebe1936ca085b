package io.quorum.faces.pipeline;

import ai.onnxruntime.OrtException;
import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.detect.Face;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.ImageRejectedException.Reason;
import io.quorum.faces.image.Images;
import java.awt.image.BufferedImage;
import java.util.Comparator;
import java.util.List;

/**
 * Photo bytes to the aligned face crop a scorer takes: guarded decode, then either BlazeFace detection and eye-level
 * alignment of the <b>largest</b> face (the policy when there are several; {@link Prepared#facesFound} says how many
 * there were), or, for inputs that are already aligned crops, a plain resize. Refusals are
 * {@link ImageRejectedException}s with their reason ({@link Reason#NO_FACE} when nothing is detected).
 */
public final class FaceCropper {

    /** Whether inputs go through detection and alignment or are taken as aligned crops. */
    public enum Mode { DETECT_AND_ALIGN, ALREADY_ALIGNED }

    /**
     * A prepared crop.
     *
     * @param crop       the crop ({@code size x size})
     * @param face       the face used, in photo pixels (null for {@link Mode#ALREADY_ALIGNED})
     * @param facesFound faces the detector found (0 for {@link Mode#ALREADY_ALIGNED})
     * @param width      the photo's width
     * @param height     the photo's height
     * @param timings    how long each step took
     */
    public record Prepared(BufferedImage crop, Face face, int facesFound, int width, int height, Timings timings) {

        public Prepared(BufferedImage crop, Face face, int facesFound, int width, int height) {
            this(crop, face, facesFound, width, height, Timings.NONE);
        }
    }

    /**
     * Nanoseconds spent in each step of {@link #prepare}: decoding, detection and alignment (0 for a step skipped; an
     * already-aligned crop's resize counts as alignment).
     */
    public record Timings(long decodeNanos, long detectNanos, long alignNanos) {
        public static final Timings NONE = new Timings(0, 0, 0);
    }

    private final ImageDecoder decoder;
    private final BlazeFaceDetector detector;
    private final FaceAligner aligner;

    public FaceCropper(ImageDecoder decoder, BlazeFaceDetector detector, FaceAligner aligner) {
        this.decoder = decoder;
        this.detector = detector;
        this.aligner = aligner;
    }

    public Prepared prepare(byte[] photo, Mode mode) throws ImageRejectedException, OrtException {
        long t0 = System.nanoTime();
        BufferedImage img = decoder.decode(photo);
        long t1 = System.nanoTime();
        int size = aligner.geometry().size();
        if (mode == Mode.ALREADY_ALIGNED) {
            BufferedImage crop = Images.resize(img, size, size);
            return new Prepared(crop, null, 0, img.getWidth(), img.getHeight(), new Timings(t1 - t0, 0, System.nanoTime() - t1));
        }
        List<Face> faces = detector.detect(img);
        long t2 = System.nanoTime();
        if (faces.isEmpty()) {
            throw new ImageRejectedException(Reason.NO_FACE, "no face scored " + "above the detector's threshold in a "
                    + img.getWidth() + "x" + img.getHeight() + " photo");
        }
        Face largest = faces.stream().max(Comparator.comparingDouble(Face::area)).orElseThrow();
        BufferedImage crop = aligner.align(img, largest).image();
        return new Prepared(crop, largest, faces.size(), img.getWidth(), img.getHeight(),
                new Timings(t1 - t0, t2 - t1, System.nanoTime() - t2));
    }
}
