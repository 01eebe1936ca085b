package io.quorum.shared.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File names from outside resolve only to regular files inside the data directory. */
class DataFilesTest {

    @TempDir
    Path dir;

    @Test
    void confinesNamesToRegularFilesInsideTheDirectory() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(data.resolve("sets/sub"));
        Files.writeString(data.resolve("sets/a.idx"), "a");
        Files.writeString(dir.resolve("outside.idx"), "secret");
        Files.createSymbolicLink(data.resolve("out-link.idx"), dir.resolve("outside.idx"));
        Files.createSymbolicLink(data.resolve("in-link.idx"), data.resolve("sets/a.idx"));

        assertThat(DataFiles.confine(data, "sets/a.idx")).isEqualTo(data.resolve("sets/a.idx").toRealPath());
        assertThat(DataFiles.confine(data, " sets/sub/../a.idx ")).isEqualTo(data.resolve("sets/a.idx").toRealPath());
        assertThat(DataFiles.confine(data, data.resolve("sets/a.idx").toString())).as("absolute inside")
                .isEqualTo(data.resolve("sets/a.idx").toRealPath());
        assertThat(DataFiles.confine(data, "in-link.idx")).as("a link that stays inside")
                .isEqualTo(data.resolve("sets/a.idx").toRealPath());

        assertRefused(data, "../outside.idx", "outside the data directory");
        assertRefused(data, dir.resolve("outside.idx").toString(), "outside the data directory");
        assertRefused(data, "out-link.idx", "leads outside");
        assertRefused(data, "sets", "not a regular file");
        assertRefused(data, "sets/missing.idx", "does not exist");
        assertRefused(data, "  ", "empty");
        assertRefused(data, "a\0b", "not a valid path");
    }

    private void assertRefused(Path data, String name, String why) {
        assertThatThrownBy(() -> DataFiles.confine(data, name)).isInstanceOf(DataFiles.RefusedException.class)
                .hasMessageContaining(why).satisfies(e -> assertThat(e.getMessage()).as("the data directory is not named")
                        .doesNotContain(data.toString()));
    }
}
