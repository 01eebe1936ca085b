package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.json.Json;
import io.quorum.shared.onnx.OnnxGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An ensemble kept as its members' graphs is fused back into exactly the graphs that were recorded (same bytes, same
 * metadata), only when they are missing or differ, and a member that changed is refused before anything is written.
 */
class BundledEnsembleTest {

    @TempDir
    Path tmp;
    Path fused;
    Map<String, Path> memberDirs = new LinkedHashMap<>();

    @BeforeEach
    void fusedEnsembleAndItsMembers() throws IOException {
        List<EnsembleFusion.Member> members = List.of(member("m0", 7), member("m1", 8));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(DigitEnsembleSpec.META_MODE, "bootstrap");
        meta.put("quorum.ensemble.disagreement.threshold", "0.25");
        fused = Files.createDirectories(tmp.resolve("fused"));
        Files.write(fused.resolve(ModelPublisher.PRIMARY), EnsembleFusion.model(members, meta));
        Files.write(fused.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), EnsembleFusion.gradient(members, meta));
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("name", DigitEnsembleSpec.MODEL_NAME);
        card.put("properties", OnnxGraph.metadataOf(Files.readAllBytes(fused.resolve(ModelPublisher.PRIMARY))));
        Json.mapper().writeValue(fused.resolve("model-card.json").toFile(), card);
        for (EnsembleFusion.Member m : members) {
            Path d = Files.createDirectories(tmp.resolve("trained").resolve(m.name()));
            Files.write(d.resolve(ModelPublisher.PRIMARY), m.model());
            Files.write(d.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), m.gradient());
            memberDirs.put(m.name(), d);
        }
        BundledEnsemble.split(fused, memberDirs);
    }

    private static EnsembleFusion.Member member(String name, long seed) {
        EnsembleFusionTest.Mlp m = EnsembleFusionTest.Mlp.random(seed);
        return new EnsembleFusion.Member(name, m.model(), m.gradient());
    }

    /** The parts as committed: the card and the members, without the fused graphs. */
    private Path parts() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("parts"));
        Files.copy(fused.resolve("model-card.json"), dir.resolve("model-card.json"));
        for (String name : memberDirs.keySet()) {
            Path to = Files.createDirectories(dir.resolve(BundledEnsemble.MEMBERS_DIR).resolve(name));
            for (String f : List.of(ModelPublisher.PRIMARY, DigitClassifierSpec.GRADIENT_ARTIFACT)) {
                Files.copy(fused.resolve(BundledEnsemble.MEMBERS_DIR).resolve(name).resolve(f), to.resolve(f));
            }
        }
        return dir;
    }

    @Test
    void fusesTheRecordedBytesOnceAndOnlyWhenNeeded() throws IOException {
        Path dir = parts();
        assertThat(BundledEnsemble.isParts(dir)).isTrue();
        assertThat(BundledEnsemble.materialise(dir)).isTrue();
        for (String f : List.of(ModelPublisher.PRIMARY, DigitClassifierSpec.GRADIENT_ARTIFACT)) {
            assertThat(dir.resolve(f)).hasSameBinaryContentAs(fused.resolve(f));
        }
        assertThat(OnnxGraph.metadataOf(Files.readAllBytes(dir.resolve(ModelPublisher.PRIMARY))))
                .containsEntry("quorum.ensemble.disagreement.threshold", "0.25")
                .containsEntry(DigitEnsembleSpec.META_MEMBER_NAMES, "m0,m1");
        assertThat(BundledEnsemble.materialise(dir)).as("already fused").isFalse();

        Files.write(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), new byte[] {1, 2, 3});
        assertThat(BundledEnsemble.materialise(dir)).as("a damaged graph is rebuilt").isTrue();
        assertThat(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT))
                .hasSameBinaryContentAs(fused.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT));
    }

    @Test
    void aChangedMemberIsRefusedAndNothingIsWritten() throws IOException {
        Path dir = parts();
        Path m1 = dir.resolve(BundledEnsemble.MEMBERS_DIR).resolve("m1").resolve(ModelPublisher.PRIMARY);
        Files.write(m1, EnsembleFusionTest.Mlp.random(99).model());
        assertThatThrownBy(() -> BundledEnsemble.materialise(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("model.onnx").hasMessageContaining("refusing");
        assertThat(dir.resolve(ModelPublisher.PRIMARY)).doesNotExist();
        assertThat(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT)).doesNotExist();
    }

    @Test
    void aMissingMemberIsNamed() throws IOException {
        Path dir = parts();
        Files.delete(dir.resolve(BundledEnsemble.MEMBERS_DIR).resolve("m0").resolve(DigitClassifierSpec.GRADIENT_ARTIFACT));
        assertThatThrownBy(() -> BundledEnsemble.materialise(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("member m0 has no gradient.onnx");
    }

    @Test
    void aFusedDirectoryIsLeftAlone() throws IOException {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Files.write(plain.resolve(ModelPublisher.PRIMARY), new byte[] {9});
        assertThat(BundledEnsemble.isParts(plain)).isFalse();
        assertThat(BundledEnsemble.materialise(plain)).isFalse();
        assertThat(Files.readAllBytes(plain.resolve(ModelPublisher.PRIMARY))).containsExactly(9);
    }
}
