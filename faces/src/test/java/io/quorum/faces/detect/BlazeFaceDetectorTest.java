package io.quorum.faces.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.detect.Face.Keypoint;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BlazeFaceDetectorTest {

    private static BlazeFaceDetector detector;

    @BeforeAll
    static void open() throws Exception {
        detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), 1);
    }

    @AfterAll
    static void close() {
        detector.close();
    }

    @Test
    void findsExactlyOneFaceOnEachAuthorsCrop() throws Exception {
        for (String crop : List.of("female/asian/13.jpg", "female/asian/20.jpg", "female/asian/21.jpg")) {
            BufferedImage img = FaceTestData.read(FaceTestData.crop(crop));
            List<Face> faces = detector.detect(img);
            assertThat(faces).as(crop).hasSize(1);
            Face f = faces.get(0);
            assertThat(f.score()).isGreaterThan(0.5);
            // the crop is mostly face: a box covering over a third of it, keypoints inside the box
            assertThat(f.area()).isGreaterThan(img.getWidth() * img.getHeight() / 3.0);
            for (Keypoint k : List.of(Keypoint.RIGHT_EYE, Keypoint.LEFT_EYE, Keypoint.NOSE_TIP, Keypoint.MOUTH)) {
                assertThat(f.kx(k)).as(crop + " " + k).isBetween(f.x(), f.x() + f.width());
                assertThat(f.ky(k)).as(crop + " " + k).isBetween(f.y(), f.y() + f.height());
            }
            // subject's right eye on the image's left, eyes above the nose, nose above the mouth
            assertThat(f.kx(Keypoint.RIGHT_EYE)).isLessThan(f.kx(Keypoint.LEFT_EYE));
            assertThat(f.ky(Keypoint.RIGHT_EYE)).isLessThan(f.ky(Keypoint.NOSE_TIP));
            assertThat(f.ky(Keypoint.NOSE_TIP)).isLessThan(f.ky(Keypoint.MOUTH));
        }
    }

    @Test
    void findsTheFaceOnUncroppedPhotosWhereTheCropWasTaken() throws Exception {
        BufferedImage photo = FaceTestData.read(FaceTestData.original("female/asian/20.jpg"));
        List<Face> faces = detector.detect(photo);
        assertThat(faces).hasSize(1);
        Face f = faces.get(0);
        // the face is well inside the photo and a sizeable part of it
        assertThat(f.x()).isGreaterThan(0);
        assertThat(f.y()).isGreaterThan(0);
        assertThat(f.x() + f.width()).isLessThan(photo.getWidth());
        assertThat(f.width()).isGreaterThan(photo.getWidth() / 10.0);
    }

    @Test
    void findsNoFaceOnBlankOrPlainImages() throws Exception {
        BufferedImage blank = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        assertThat(detector.detect(blank)).isEmpty();
        BufferedImage grey = new BufferedImage(300, 500, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grey.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, Color.LIGHT_GRAY, 300, 500, Color.DARK_GRAY));
        g.fillRect(0, 0, 300, 500);
        g.dispose();
        assertThat(detector.detect(grey)).isEmpty();
    }

    @Test
    void anchorsFollowTheModelsOutputOrder() {
        float[][] a = BlazeFaceDetector.anchors();
        assertThat(a).hasNumberOfRows(896);
        assertThat(a[0]).containsExactly(8f, 8f);
        assertThat(a[1]).containsExactly(8f, 8f);
        assertThat(a[2]).containsExactly(24f, 8f);
        assertThat(a[511]).containsExactly(248f, 248f);
        assertThat(a[512]).containsExactly(16f, 16f);
        assertThat(a[895]).containsExactly(240f, 240f);
    }

    @Test
    void weightedNmsBlendsOverlapsAndKeepsSeparateFaces() {
        Face a = face(10, 10, 100, 0.9, 1);
        Face b = face(14, 10, 100, 0.6, 3);
        Face far = face(300, 300, 80, 0.7, 5);
        List<Face> out = BlazeFaceDetector.weightedNms(List.of(b, far, a), 0.3);
        assertThat(out).hasSize(2);
        Face merged = out.get(0);
        assertThat(merged.score()).isEqualTo(0.9);
        // score-weighted: x = (0.9*10 + 0.6*14) / 1.5 = 11.6; keypoint value (0.9*1 + 0.6*3) / 1.5 = 1.8
        assertThat(merged.x()).isCloseTo(11.6, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(merged.keypoints()[0]).isCloseTo(1.8, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(out.get(1).x()).isEqualTo(300);
    }

    private static Face face(double x, double y, double size, double score, double kp) {
        double[] k = new double[12];
        java.util.Arrays.fill(k, kp);
        return new Face(x, y, size, size, score, k);
    }
}
