package io.quorum.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.LocalJobContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code data=} resolves only inside the data directory: no absolute path outside, no {@code ..}, no symlink out. */
class DataPathsTest {

    @TempDir
    Path root;
    Path data;
    Path secret;

    @BeforeEach
    void files() throws Exception {
        data = Files.createDirectories(root.resolve("data"));
        Files.createDirectories(data.resolve("mrpc"));
        Files.writeString(data.resolve("mrpc/pairs.txt"), "pairs");
        secret = Files.writeString(root.resolve("secret.txt"), "secret");
    }

    @Test
    void pathsInsideTheDataDirectoryResolve() throws Exception {
        Path expected = data.resolve("mrpc/pairs.txt").toRealPath();
        assertThat(DataPaths.confine(data, "mrpc/pairs.txt")).isEqualTo(expected);
        assertThat(DataPaths.confine(data, data.resolve("mrpc/pairs.txt").toString())).isEqualTo(expected);
        assertThat(DataPaths.confine(data, "mrpc/../mrpc/./pairs.txt")).isEqualTo(expected);
        // a link that stays inside is fine
        Files.createSymbolicLink(data.resolve("alias.txt"), data.resolve("mrpc/pairs.txt"));
        assertThat(DataPaths.confine(data, "alias.txt")).isEqualTo(expected);
        assertThat(DataPaths.isKeyword("generated")).isTrue();
        assertThat(DataPaths.isKeyword("labeled")).isTrue();
    }

    @Test
    void absolutePathsOutsideDotDotAndLinksOutAreRefused() throws Exception {
        Files.createSymbolicLink(data.resolve("link.txt"), secret);
        Files.createSymbolicLink(data.resolve("linkdir"), root);
        for (String bad : new String[] {secret.toString(), "../secret.txt", "mrpc/../../secret.txt", "link.txt",
                "linkdir/secret.txt", "/etc/passwd"}) {
            assertThatThrownBy(() -> DataPaths.confine(data, bad)).as(bad).isInstanceOf(JobFailedException.class)
                    .hasMessageContaining(bad).hasMessageContaining("outside the data directory");
        }
    }

    @Test
    void missingFilesDirectoriesAndEmptyValuesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> DataPaths.confine(data, "mrpc/none.txt")).hasMessageContaining("not found");
        assertThatThrownBy(() -> DataPaths.confine(data, "mrpc")).hasMessageContaining("not a regular file");
        assertThatThrownBy(() -> DataPaths.confine(data, " ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> DataPaths.confine(data, "a\0b")).isInstanceOf(JobFailedException.class);
    }

    @Test
    void aConfinedSourceRefusesOutsideFilesAndAnUnconfinedOneReadsThem() throws Exception {
        Path pairs = Files.writeString(root.resolve("outside.csv"),
                "id,qid1,qid2,question1,question2,is_duplicate\n1,1,2,How do I learn Java?,How to learn Java?,1\n");
        LocalJobContext ctx = new LocalJobContext("t", Map.of(), 1, data, root, line -> { });
        TextPairSource confined = new TextPairSource(null, root.resolve("cache"), root.resolve("labeled.jsonl"), true);
        assertThatThrownBy(() -> confined.read(pairs.toString(), ctx, new LinkedHashMap<>()))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("outside the data directory");
        TextPairSource local = new TextPairSource(null, root.resolve("cache"), root.resolve("labeled.jsonl"));
        assertThat(local.read(pairs.toString(), ctx, new LinkedHashMap<>())).hasSize(1);
    }
}
