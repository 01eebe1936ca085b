package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.model.BundledEnsemble;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.json.Json;
import io.quorum.vision.ensemble.OnnxEnsemble;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled default ensemble is committed as its five members' graphs: fused from them it is byte for byte the
 * ensemble that was evaluated (the sha256 its model card records) and it opens as a {@link DigitEnsembleSpec} ensemble.
 * No committed model file is over 5 MB.
 */
class BundledDefaultsTest {

    private static final Path DEFAULTS = Path.of("../../models");

    @Test
    @SuppressWarnings("unchecked")
    void theDefaultEnsembleFusesToTheRecordedGraphs(@TempDir Path tmp) throws Exception {
        Path src = DEFAULTS.resolve(DigitEnsembleSpec.MODEL_NAME + "-default");
        Path dir = tmp.resolve("ensemble");
        Files.createDirectories(dir);
        Files.copy(src.resolve("model-card.json"), dir.resolve("model-card.json"));
        try (Stream<Path> files = Files.walk(src.resolve(BundledEnsemble.MEMBERS_DIR))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = dir.resolve(src.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
        }
        assertThat(BundledEnsemble.materialise(dir)).isTrue();
        Map<String, Object> card = Json.mapper().readValue(dir.resolve("model-card.json").toFile(), Map.class);
        Map<String, Object> sha = (Map<String, Object>) card.get(BundledEnsemble.CARD_FUSED_SHA256);
        for (String f : List.of(ModelPublisher.PRIMARY, DigitClassifierSpec.GRADIENT_ARTIFACT)) {
            assertThat(Hashing.sha256(dir.resolve(f))).isEqualTo(sha.get(f));
        }
        try (OnnxEnsemble e = OnnxEnsemble.open(dir, InferenceOptions.cpu(1))) {
            assertThat(e.members()).isEqualTo(5);
        }
    }

    @Test
    void noBundledModelFileIsOverFiveMegabytes() throws Exception {
        List<String> tracked = new ProcessBuilder("git", "ls-files", "models").directory(DEFAULTS.getParent().toFile())
                .start().inputReader().lines().toList();
        assertThat(tracked).isNotEmpty();
        for (String f : tracked) {
            assertThat(Files.size(DEFAULTS.getParent().resolve(f))).as(f).isLessThanOrEqualTo(5L * 1024 * 1024);
        }
    }
}
