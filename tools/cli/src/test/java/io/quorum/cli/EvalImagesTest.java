package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalImagesTest {

    private static final Path DEFAULTS = Path.of("../../models");

    @Test
    void scoresTheValCropsAndTheRawPhotosBehindThemWithTheBundledDefault() throws Exception {
        Path base = TestData.require("mebeauty/scores/val_2022.txt").getParent().getParent();
        Map<String, Object> crops = eval("--scores", base.resolve("scores/val_2022.txt").toString(), "--images",
                base.toString(), "--limit", "40", "--defaults", DEFAULTS.toString());
        assertThat((int) crops.get("n")).isEqualTo(40);
        // the default (val PLCC 0.675 on all 212) ranks 40 val crops clearly better than chance
        assertThat((double) crops.get("plcc")).isGreaterThan(0.4);
        assertThat((double) crops.get("mae")).isLessThan(1.5);
        Map<String, Object> raw = eval("--scores", base.resolve("scores/val_2022.txt").toString(), "--images",
                base.toString(), "--limit", "20", "--raw", "--defaults", DEFAULTS.toString());
        assertThat((int) raw.get("n")).isBetween(19, 20);
        assertThat((double) raw.get("plcc")).isGreaterThan(0.3);
        assertThat(raw.get("raw")).isEqualTo(true);
    }

    @Test
    void mapsMebeautyCropPathsToTheOriginals() {
        assertThat(EvalImages.rawPath(Path.of("/d/mebeauty/./cropped_images/images_crop_align_mtcnn/male/indian/a.jpg")))
                .isEqualTo(Path.of("/d/mebeauty/./original_images/male/indian/a.jpg"));
        assertThat(EvalImages.rawPath(Path.of("/photos/b.png"))).isEqualTo(Path.of("/photos/b.png"));
    }

    @Test
    void bootstrapFusesTheDefaultScorerFromTheCommittedHead(@TempDir Path dir) throws Exception {
        Path src = DEFAULTS.resolve("image-scorer-default");
        Files.copy(src.resolve("head.json"), dir.resolve("head.json"));
        Files.copy(src.resolve("model-card.json"), dir.resolve("model-card.json"));
        Bootstrap.fuseImageScorer(dir);
        try (OnnxSession s = OnnxSession.open(Files.readAllBytes(dir.resolve("model.onnx")), InferenceOptions.cpu(1))) {
            ImageScorerSpec.check(s, null);
            assertThat(s.metadata()).containsEntry(ImageScorerSpec.META_SCALE_MAX, "10")
                    .containsEntry(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY);
        }
        long fused = Files.getLastModifiedTime(dir.resolve("model.onnx")).toMillis();
        Bootstrap.fuseImageScorer(dir); // up to date: left alone
        assertThat(Files.getLastModifiedTime(dir.resolve("model.onnx")).toMillis()).isEqualTo(fused);
    }

    private static Map<String, Object> eval(String... args) throws Exception {
        EvalImages e = new EvalImages();
        new picocli.CommandLine(e).parseArgs(args);
        return e.evaluate();
    }
}
