package io.quorum.faces.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.align.FaceAligner;
import io.quorum.faces.detect.BlazeFaceDetector;
import io.quorum.faces.image.ImageDecoder;
import io.quorum.faces.image.ImageRejectedException;
import io.quorum.faces.image.ImageRejectedException.Reason;
import io.quorum.faces.image.Images;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FaceCropperTest {

    private static BlazeFaceDetector detector;
    private static FaceCropper cropper;

    @BeforeAll
    static void open() throws Exception {
        detector = BlazeFaceDetector.open(BlazeFaceDetector.Options.defaults(), 1);
        cropper = new FaceCropper(new ImageDecoder(), detector, new FaceAligner(FaceAligner.Geometry.mebeauty()));
    }

    @AfterAll
    static void close() {
        detector.close();
    }

    @Test
    void cropsTheFaceOfARawPhoto() throws Exception {
        byte[] jpeg = Files.readAllBytes(FaceTestData.original("female/asian/20.jpg"));
        FaceCropper.Prepared p = cropper.prepare(jpeg, FaceCropper.Mode.DETECT_AND_ALIGN);
        assertThat(p.facesFound()).isEqualTo(1);
        assertThat(p.crop().getWidth()).isEqualTo(224);
        assertThat(p.crop().getHeight()).isEqualTo(224);
        assertThat(p.face().score()).isGreaterThan(0.5);
        // the aligned crop is itself a face the detector finds once
        assertThat(detector.detect(p.crop())).hasSize(1);
    }

    @Test
    void takesAlreadyAlignedCropsAsTheyAre() throws Exception {
        byte[] jpeg = Files.readAllBytes(FaceTestData.crop("female/asian/13.jpg"));
        FaceCropper.Prepared p = cropper.prepare(jpeg, FaceCropper.Mode.ALREADY_ALIGNED);
        assertThat(p.face()).isNull();
        assertThat(p.facesFound()).isZero();
        assertThat(p.crop().getRGB(100, 100)).isEqualTo(FaceTestData.read(FaceTestData.crop("female/asian/13.jpg")).getRGB(100, 100));
    }

    @Test
    void picksTheLargestOfSeveralFaces() throws Exception {
        BufferedImage a = FaceTestData.read(FaceTestData.original("female/asian/13.jpg"));
        BufferedImage b = Images.resize(FaceTestData.read(FaceTestData.original("female/asian/20.jpg")), a.getWidth() / 2, a.getHeight() / 2);
        BufferedImage both = new BufferedImage(a.getWidth() + b.getWidth(), a.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(a, 0, 0, null);
        g.drawImage(b, a.getWidth(), a.getHeight() / 4, null);
        g.dispose();
        FaceCropper.Prepared p = cropper.prepare(png(both), FaceCropper.Mode.DETECT_AND_ALIGN);
        assertThat(p.facesFound()).isEqualTo(2);
        // the larger face is the one in the left, full-size photo
        assertThat(p.face().x() + p.face().width()).isLessThan(a.getWidth());
    }

    @Test
    void refusesAPhotoWithoutAFace() throws Exception {
        BufferedImage blank = new BufferedImage(400, 300, BufferedImage.TYPE_INT_RGB);
        assertThatThrownBy(() -> cropper.prepare(png(blank), FaceCropper.Mode.DETECT_AND_ALIGN))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NO_FACE))
                .hasMessageStartingWith("no-face");
    }

    private static byte[] png(BufferedImage img) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
