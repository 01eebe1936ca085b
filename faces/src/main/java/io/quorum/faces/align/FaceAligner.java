package io.quorum.faces.align;

import io.quorum.faces.detect.Face;
import io.quorum.faces.detect.Face.Keypoint;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.Images;
import java.awt.geom.AffineTransform;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;

/**
 * Eye-level alignment: a similarity transform (rotation, uniform scale, translation) that puts both eyes on one
 * horizontal line, {@link Geometry#eyeDistance} of the output width apart, their midpoint at
 * ({@code 0.5}, {@link Geometry#eyeY}) of the output, then samples a square crop (bilinear; large reductions go by
 * halves first). The default geometry reproduces the framing of MEBeauty's MTCNN crops (measured with the detector
 * on the authors' crops, see DESIGN.md), so raw photos reach the scorer framed like the data it learnt from.
 */
public final class FaceAligner {

    /**
     * Where the eyes land in the output.
     *
     * @param size        output side in pixels
     * @param eyeDistance distance between the eyes as a fraction of {@code size}
     * @param eyeY        height of the eye line as a fraction of {@code size} from the top
     */
    public record Geometry(int size, double eyeDistance, double eyeY) {
        /** 224x224 (faceres' input), eyes as on MEBeauty's crops. */
        public static Geometry mebeauty() {
            return new Geometry(224, 0.34, 0.40);
        }
    }

    /** An aligned crop, the transform from photo to crop pixels, and the roll that was removed (radians). */
    public record Aligned(BufferedImage image, AffineTransform photoToCrop, double roll) {
        /** A photo point in crop pixels. */
        public Point2D toCrop(double x, double y) {
            return photoToCrop.transform(new Point2D.Double(x, y), null);
        }
    }

    private final Geometry geometry;

    public FaceAligner(Geometry geometry) {
        this.geometry = geometry;
    }

    public Geometry geometry() {
        return geometry;
    }

    /** Aligns {@code face} of {@code photo}. */
    public Aligned align(BufferedImage photo, Face face) {
        double rx = face.kx(Keypoint.RIGHT_EYE);
        double ry = face.ky(Keypoint.RIGHT_EYE);
        double lx = face.kx(Keypoint.LEFT_EYE);
        double ly = face.ky(Keypoint.LEFT_EYE);
        double roll = Math.atan2(ly - ry, lx - rx);
        double d = Math.hypot(lx - rx, ly - ry);
        if (!(d > 1e-6)) {
            throw new IllegalArgumentException("the eyes coincide: " + face);
        }
        int size = geometry.size();
        double scale = geometry.eyeDistance() * size / d;
        AffineTransform toCrop = new AffineTransform();
        toCrop.translate(size / 2.0, geometry.eyeY() * size);
        toCrop.scale(scale, scale);
        toCrop.rotate(-roll);
        toCrop.translate(-(rx + lx) / 2, -(ry + ly) / 2);
        // sample from a pre-reduced photo when the crop shrinks it more than 2x (bilinear alone would alias)
        BufferedImage src = ImageDecoder.toRgb(photo);
        double pre = 1;
        while (scale / pre < 0.5 && src.getWidth() >= 4 && src.getHeight() >= 4) {
            int w = src.getWidth() / 2;
            int h = src.getHeight() / 2;
            double fx = w / (double) src.getWidth();
            src = Images.resize(src, w, h);
            pre *= fx;
        }
        AffineTransform sample = new AffineTransform(toCrop);
        sample.scale(1 / pre, 1 / pre);
        return new Aligned(Images.draw(src, size, size, sample), toCrop, roll);
    }
}
