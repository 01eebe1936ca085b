package io.quorum.faces.scorer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.faces.FaceTestData;
import io.quorum.faces.image.Images;
import io.quorum.faces.model.FaceModel;
import io.quorum.faces.model.FaceModels;
import io.quorum.faces.model.FaceresEmbedder;
import io.quorum.faces.probe.Ridge;
import io.quorum.shared.data.ImageScoreList;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelRejectedException;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageScorerModelTest {

    @Test
    void fusedGraphScoresLikeTheJavaRidgeOnFaceresDescriptorsAndPassesTheContract() throws Exception {
        var base = FaceTestData.crop("").getParent().getParent();
        List<ImageScoreList.ImageScore> val = ImageScoreList.read(base.resolve("scores/val_2022.txt"), base).entries()
                .subList(0, 12);
        List<BufferedImage> crops = new ArrayList<>();
        for (var e : val) {
            crops.add(FaceTestData.read(e.image()));
        }
        float[][] fitX;
        float[][] heldOut;
        try (FaceresEmbedder embedder = FaceresEmbedder.open(1)) {
            fitX = embedder.descriptors(crops.subList(0, 8));
            heldOut = embedder.descriptors(crops.subList(8, 12));
        }
        double[] y = val.subList(0, 8).stream().mapToDouble(ImageScoreList.ImageScore::score).toArray();
        Ridge ridge = Ridge.fit(fitX, y, 10);
        byte[] onnx = ImageScorerModel.fuse(FaceModels.bytes(FaceModel.FACERES), ridge.linear(),
                Map.of(ImageScorerSpec.META_DATASET, "test")).toBytes();
        try (OnnxSession s = OnnxSession.open(onnx, InferenceOptions.cpu(1))) {
            ImageScorerSpec.check(s, null);
            assertThat(ImageScorerSpec.size(s.signature())).isEqualTo(224);
            assertThat(s.metadata()).containsEntry(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY)
                    .containsEntry(ImageScorerSpec.META_DATASET, "test")
                    .containsKey("quorum.backbone.licence");
            // one batch of all 12 crops (8 fitted, 4 held out) through the fused graph
            float[] nhwc = FaceresEmbedder.input(crops).data();
            float[] fused = ImageScorerSpec.score(s, nhwc, crops.size(), 224);
            assertThat(fused).hasSize(12);
            for (int i = 0; i < 12; i++) {
                double expected = ridge.predict(i < 8 ? fitX[i] : heldOut[i - 8]);
                assertThat(Math.abs(fused[i] - expected)).as("crop %d", i).isLessThan(1e-3);
            }
            // the scores differ between faces (a head that collapsed to its bias would pass the parity trivially)
            assertThat(java.util.Arrays.stream(new double[] {fused[0], fused[1], fused[8], fused[9]}).distinct().count())
                    .isGreaterThan(1);
        }
    }

    @Test
    void aHeadFileRoundTripsAndABrokenOneIsRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path head = dir.resolve(ImageScorerModel.HEAD_FILE);
        java.nio.file.Files.writeString(head, "{\"weights\": [0.5, -1.25, 2], \"bias\": 3.5, \"lambda\": 10}");
        Ridge.Linear lin = ImageScorerModel.readHead(head);
        assertThat(lin.weights()).containsExactly(0.5, -1.25, 2);
        assertThat(lin.bias()).isEqualTo(3.5);
        java.nio.file.Files.writeString(head, "{\"weights\": [], \"bias\": 1}");
        assertThatThrownBy(() -> ImageScorerModel.readHead(head)).isInstanceOf(java.io.IOException.class);
    }

    @Test
    void theBareBackboneIsNotAnImageScorer() throws Exception {
        try (OnnxSession s = FaceModels.open(FaceModel.FACERES, InferenceOptions.cpu(1))) {
            assertThatThrownBy(() -> ImageScorerSpec.check(s, null)).isInstanceOf(ModelRejectedException.class)
                    .hasMessageContaining("score");
        }
    }
}
