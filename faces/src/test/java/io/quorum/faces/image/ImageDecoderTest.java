package io.quorum.faces.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.image.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder();

    private static byte[] realJpeg() throws Exception {
        return Files.readAllBytes(FaceTestData.crop("female/asian/13.jpg"));
    }

    @Test
    void decodesARealJpegToRgb() throws Exception {
        BufferedImage img = decoder.decode(realJpeg());
        assertThat(img.getWidth()).isEqualTo(224);
        assertThat(img.getHeight()).isEqualTo(224);
        assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(decoder.header(realJpeg())).isEqualTo(new ImageDecoder.Header("jpeg", 224, 224));
    }

    @Test
    void decodesAPngWithAlphaToRgb() throws Exception {
        BufferedImage argb = new BufferedImage(30, 20, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(3, 4, 0xff102030);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(argb, "png", out);
        BufferedImage img = decoder.decode(out.toByteArray());
        assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(img.getRGB(3, 4) & 0xffffff).isEqualTo(0x102030);
        assertThat(img.getRGB(0, 0) & 0xffffff).isEqualTo(0);
    }

    @Test
    void refusesAPngBombFromItsHeaderAlone() {
        // a valid PNG signature and IHDR declaring 50,000 x 50,000 RGB, then nothing: never decoded
        byte[] bomb = pngHeader(50_000, 50_000);
        assertThatThrownBy(() -> decoder.decode(bomb))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DECOMPRESSION_BOMB))
                .hasMessageContaining("50000x50000");
    }

    @Test
    void refusesAJpegWhoseFrameHeaderDeclaresHugeDimensions() throws Exception {
        byte[] jpeg = realJpeg();
        int sof = sofOffset(jpeg);
        // SOF: FF C0 len(2) precision(1) height(2) width(2)
        jpeg[sof + 5] = (byte) 0xea;
        jpeg[sof + 6] = (byte) 0x60; // 60,000
        jpeg[sof + 7] = (byte) 0xea;
        jpeg[sof + 8] = (byte) 0x60;
        assertThatThrownBy(() -> decoder.decode(jpeg))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DECOMPRESSION_BOMB));
        // within the side limit but over the pixel budget: 10,000 x 10,000
        jpeg[sof + 5] = (byte) 0x27;
        jpeg[sof + 6] = (byte) 0x10;
        jpeg[sof + 7] = (byte) 0x27;
        jpeg[sof + 8] = (byte) 0x10;
        assertThatThrownBy(() -> decoder.decode(jpeg))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.DECOMPRESSION_BOMB))
                .hasMessageContaining("100000000 pixels");
    }

    @Test
    void refusesATruncatedJpeg() throws Exception {
        byte[] jpeg = realJpeg();
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 6 / 10);
        assertThatThrownBy(() -> decoder.decode(cut))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED_IMAGE));
    }

    @Test
    void refusesAJpegWithAGarbledHeader() throws Exception {
        byte[] jpeg = realJpeg();
        byte[] bad = Arrays.copyOf(jpeg, 600);
        // keep the SOI marker (so it is recognised as JPEG), garble every segment after it
        for (int i = 2; i < bad.length; i++) {
            bad[i] = (byte) (i * 31 + 7);
        }
        assertThatThrownBy(() -> decoder.decode(bad))
                .isInstanceOfSatisfying(ImageRejectedException.class, e ->
                        assertThat(e.reason()).isIn(Reason.CORRUPT_IMAGE, Reason.TRUNCATED_IMAGE));
    }

    @Test
    void refusesSomethingThatIsNotAnImage() {
        byte[] text = "{\"id\": \"42\", \"note\": \"this is JSON, not a photo\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> decoder.decode(text))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_IMAGE))
                .hasMessageStartingWith("not-an-image");
        assertThatThrownBy(() -> decoder.decode(new byte[0]))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_IMAGE));
    }

    @Test
    void refusesAnOversizedInputBeforeLookingAtIt() throws Exception {
        ImageDecoder small = new ImageDecoder(new ImageDecoder.Limits(1000, 40_000_000, 12_000));
        assertThatThrownBy(() -> small.decode(realJpeg()))
                .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.OVERSIZED_INPUT));
    }

    private static int sofOffset(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xff) == 0xff && ((jpeg[i + 1] & 0xff) == 0xc0 || (jpeg[i + 1] & 0xff) == 0xc2)) {
                return i;
            }
        }
        throw new AssertionError("no SOF marker");
    }

    private static byte[] pngHeader(int w, int h) {
        ByteBuffer ihdr = ByteBuffer.allocate(17);
        ihdr.put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        ByteBuffer png = ByteBuffer.allocate(8 + 4 + 17 + 4);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        png.putInt(13).put(ihdr.array()).putInt((int) crc.getValue());
        return png.array();
    }
}
