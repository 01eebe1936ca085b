package io.quorum.faces.align;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.detect.Face;
import io.quorum.faces.detect.Face.Keypoint;
import io.quorum.faces.image.Images;
import java.awt.geom.AffineTransform;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class FaceAlignerTest {

    private final FaceAligner aligner = new FaceAligner(FaceAligner.Geometry.mebeauty());

    @Test
    void putsTheEyesOnALevelLineAtTheConfiguredPlace() {
        // eyes 80 px apart on a line tilted by 25 degrees
        double a = Math.toRadians(25);
        double[] kp = new double[12];
        kp[0] = 400;
        kp[1] = 300;
        kp[2] = 400 + 80 * Math.cos(a);
        kp[3] = 300 + 80 * Math.sin(a);
        Face f = new Face(350, 250, 200, 200, 0.9, kp);
        BufferedImage photo = new BufferedImage(900, 700, BufferedImage.TYPE_INT_RGB);
        FaceAligner.Aligned out = aligner.align(photo, f);
        assertThat(out.image().getWidth()).isEqualTo(224);
        assertThat(out.roll()).isCloseTo(a, within(1e-9));
        Point2D re = out.toCrop(kp[0], kp[1]);
        Point2D le = out.toCrop(kp[2], kp[3]);
        assertThat(re.getY()).isCloseTo(le.getY(), within(1e-6));
        assertThat(re.getY()).isCloseTo(0.40 * 224, within(1e-6));
        assertThat(le.getX() - re.getX()).isCloseTo(0.34 * 224, within(1e-6));
        assertThat((le.getX() + re.getX()) / 2).isCloseTo(112, within(1e-6));
    }

    @Test
    void levelsTheEyesOfARealRotatedPhoto() throws Exception {
        BufferedImage photo = FaceTestData.read(FaceTestData.original("female/asian/13.jpg"));
        // tilt the photo by 20 degrees about its centre
        AffineTransform rot = AffineTransform.getRotateInstance(Math.toRadians(20), photo.getWidth() / 2.0, photo.getHeight() / 2.0);
        BufferedImage tilted = Images.draw(photo, photo.getWidth(), photo.getHeight(), rot);
        try (BlazeFaceDetector detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), 1)) {
            List<Face> before = detector.detect(tilted);
            assertThat(before).hasSize(1);
            double rollBefore = Math.toDegrees(before.get(0).roll());
            assertThat(Math.abs(rollBefore)).isGreaterThan(12);

            FaceAligner.Aligned aligned = aligner.align(tilted, before.get(0));
            List<Face> after = detector.detect(aligned.image());
            assertThat(after).hasSize(1);
            Face f = after.get(0);
            assertThat(Math.abs(Math.toDegrees(f.roll()))).as("roll after alignment (was %.1f)", rollBefore).isLessThan(4);
            // and the eyes are where the geometry puts them (the detector's keypoints are good to a few pixels)
            double eyeDistance = Math.hypot(f.kx(Keypoint.LEFT_EYE) - f.kx(Keypoint.RIGHT_EYE), f.ky(Keypoint.LEFT_EYE) - f.ky(Keypoint.RIGHT_EYE));
            assertThat(eyeDistance / 224).isCloseTo(0.34, within(0.04));
            assertThat((f.ky(Keypoint.LEFT_EYE) + f.ky(Keypoint.RIGHT_EYE)) / 2 / 224).isCloseTo(0.40, within(0.04));
        }
    }
}
