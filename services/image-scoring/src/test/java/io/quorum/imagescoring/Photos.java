package io.quorum.imagescoring;

import io.quorum.faces.scorer.ImageScorerModel;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.CRC32;

/** Real MEBeauty photos, bad inputs made from them, and the default scorer built from the committed head. */
final class Photos {

    private Photos() {
    }

    /** An uncropped photo (female/asian/13.jpg has one face). */
    static byte[] raw(String relative) {
        return read(TestData.require("mebeauty/original_images/" + relative));
    }

    /** One of the authors' aligned crops. */
    static byte[] crop(String relative) {
        return read(TestData.require("mebeauty/cropped_images/images_crop_align_mtcnn/" + relative));
    }

    /** The default scorer: faceres (bundled in quorum-faces) + the committed ridge head. */
    static byte[] defaultModel() {
        try {
            return ImageScorerModel.fromHead(Path.of("../../models/image-scorer-default/head.json"),
                    Map.of(ImageScorerSpec.META_SCALE_MIN, "1", ImageScorerSpec.META_SCALE_MAX, "10",
                            ImageScorerSpec.META_DATASET, "mebeauty-2022-train"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first 60% of a real JPEG. */
    static byte[] truncated(byte[] jpeg) {
        return Arrays.copyOf(jpeg, jpeg.length * 6 / 10);
    }

    /** A real JPEG's SOI marker followed by garbled segments. */
    static byte[] corrupt(byte[] jpeg) {
        byte[] bad = Arrays.copyOf(jpeg, 600);
        for (int i = 2; i < bad.length; i++) {
            bad[i] = (byte) (i * 31 + 7);
        }
        return bad;
    }

    /** A valid PNG header declaring 50,000 x 50,000 pixels (7.5 GB decoded), with no pixel data. */
    static byte[] bomb() {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(50_000).putInt(50_000).put((byte) 8).put((byte) 2)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        png.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return png.array();
    }

    static byte[] notAnImage() {
        return "{\"id\": \"42\", \"note\": \"JSON, not a photo\"}".getBytes(StandardCharsets.UTF_8);
    }

    /** A flat grey 300x300 PNG: decodable, no face in it. */
    static byte[] blank() {
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(300, 300, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 300; y++) {
            for (int x = 0; x < 300; x++) {
                img.setRGB(x, y, 0x808080);
            }
        }
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** CloudEvents binary-mode headers of a photo. */
    static Map<String, String> headers(String id, String contentType, Boolean aligned) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put(ImageScorer.HEADER_ID, id);
        h.put(ImageScorer.HEADER_TYPE, "io.quorum.image.submitted");
        h.put(ImageScorer.HEADER_SOURCE, "test-camera");
        h.put(ImageScorer.HEADER_SPEC_VERSION, "1.0");
        h.put(ImageScorer.HEADER_CONTENT_TYPE, contentType);
        if (aligned != null) {
            h.put(ImageScorer.HEADER_ALIGNED, aligned.toString());
        }
        return h;
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
