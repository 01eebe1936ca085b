package io.quorum.faces.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.scorer.ImageScorerModel;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class OcclusionSensitivityTest {

    @Test
    void occludingTheFaceCentreMovesTheDefaultModelsScoreMoreThanACornerAndTheOverlayIsAPng() throws Exception {
        byte[] onnx = ImageScorerModel.fromHead(Path.of("..", "models", "image-scorer-default", ImageScorerModel.HEAD_FILE),
                Map.of(ImageScorerSpec.META_DATASET, "mebeauty"));
        BufferedImage crop = FaceTestData.read(FaceTestData.crop("female/caucasian/freckles-2411973_1920.jpg"));
        List<Integer> batchSizes = new ArrayList<>();
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(2))) {
            OcclusionSensitivity.BatchScorer scorer = (x, n) -> {
                batchSizes.add(n);
                return ImageScorerSpec.score(s, x, n, 224);
            };
            // 224 px, patch 56, stride 28: 7 x 7 positions, scored 16 at a time after the clean baseline
            var map = OcclusionSensitivity.compute(crop, 224, new OcclusionSensitivity.Settings(56, 28, 16), scorer);
            assertThat(map.rows()).isEqualTo(7);
            assertThat(map.cols()).isEqualTo(7);
            assertThat(batchSizes).containsExactly(1, 16, 16, 16, 1);
            assertThat(map.baseline()).isBetween(1.0, 10.0);
            double centre = map.change()[3][3];
            double corners = Math.max(Math.max(map.change()[0][0], map.change()[0][6]),
                    Math.max(map.change()[6][0], map.change()[6][6]));
            assertThat(centre).as("centre %s vs corners %s", centre, corners).isGreaterThan(corners);
            assertThat(map.maxChange()).isGreaterThanOrEqualTo(centre).isGreaterThan(0);

            byte[] png = OcclusionSensitivity.png(OcclusionSensitivity.overlay(crop, map, 0.5f));
            assertThat(png).startsWith(0x89, 'P', 'N', 'G');
            BufferedImage back = ImageIO.read(new ByteArrayInputStream(png));
            assertThat(back.getWidth()).isEqualTo(224);
            assertThat(back.getHeight()).isEqualTo(224);
        }
    }

    @Test
    void positionsCoverTheFarEdgeAndBadSettingsAreRefused() {
        assertThat(OcclusionSensitivity.positions(224, 56, 28)).containsExactly(0, 28, 56, 84, 112, 140, 168);
        assertThat(OcclusionSensitivity.positions(10, 4, 4)).containsExactly(0, 4, 6);
        assertThatThrownBy(() -> OcclusionSensitivity.positions(10, 11, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OcclusionSensitivity.Settings(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aScoreThatOnlyDependsOnOnePixelLightsUpOnlyThePatchesCoveringIt() throws Exception {
        // a "model" whose score is the red value at pixel (x 5, y 1) of an 8x8 crop: only patches covering it change it
        BufferedImage white = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                white.setRGB(x, y, 0xffffff);
            }
        }
        OcclusionSensitivity.BatchScorer scorer = (x, n) -> {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = x[i * 8 * 8 * 3 + (1 * 8 + 5) * 3];
            }
            return out;
        };
        var map = OcclusionSensitivity.compute(white, 8, new OcclusionSensitivity.Settings(4, 2, 3), scorer);
        assertThat(map.baseline()).isEqualTo(255);
        // positions 0, 2, 4 on each side; pixel (5, 1) is covered by rows {0} and columns {2, 4}
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                double expected = r == 0 && c >= 1 ? 127 : 0;
                assertThat(map.change()[r][c]).as("(%d,%d)", r, c).isEqualTo(expected);
            }
        }
        assertThat(map.maxChange()).isEqualTo(127);
        float[] px = OcclusionSensitivity.pixelMap(map);
        assertThat(px[1 * 8 + 5]).isEqualTo(1f);
        assertThat(px[7 * 8 + 0]).isEqualTo(0f);
    }
}
