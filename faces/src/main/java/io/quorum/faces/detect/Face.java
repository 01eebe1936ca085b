package io.quorum.faces.detect;

/**
 * A detected face in image pixels: the box ({@code x, y} top-left, {@code width, height}), the detector's score and
 * six keypoints in BlazeFace order ({@link Keypoint}); "right" and "left" are the subject's, so the right eye is the
 * one on the image's left in an unmirrored photo.
 */
public record Face(double x, double y, double width, double height, double score, double[] keypoints) {

    /** The six BlazeFace keypoints, in output order. */
    public enum Keypoint { RIGHT_EYE, LEFT_EYE, NOSE_TIP, MOUTH, RIGHT_EAR, LEFT_EAR }

    public Face {
        if (keypoints.length != 12) {
            throw new IllegalArgumentException("6 keypoints (12 values) expected, got " + keypoints.length);
        }
        keypoints = keypoints.clone();
    }

    public double kx(Keypoint k) {
        return keypoints[2 * k.ordinal()];
    }

    public double ky(Keypoint k) {
        return keypoints[2 * k.ordinal() + 1];
    }

    @Override
    public double[] keypoints() {
        return keypoints.clone();
    }

    public double area() {
        return width * height;
    }

    /** Intersection over union of the boxes. */
    public double iou(Face o) {
        double ix = Math.max(0, Math.min(x + width, o.x + o.width) - Math.max(x, o.x));
        double iy = Math.max(0, Math.min(y + height, o.y + o.height) - Math.max(y, o.y));
        double inter = ix * iy;
        double union = area() + o.area() - inter;
        return union <= 0 ? 0 : inter / union;
    }

    /** The in-plane roll: the angle of the line from the right eye to the left eye, radians (0 = level). */
    public double roll() {
        return Math.atan2(ky(Keypoint.LEFT_EYE) - ky(Keypoint.RIGHT_EYE), kx(Keypoint.LEFT_EYE) - kx(Keypoint.RIGHT_EYE));
    }
}
