package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.PhotoHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SendPhotosCommandTest {

    @TempDir
    Path dir;

    @Test
    void directoriesExpandToTheirFilesInNameOrderAndFilesStayAsNamed() throws IOException {
        Path photos = Files.createDirectories(dir.resolve("photos"));
        Files.write(photos.resolve("b.png"), new byte[] {1});
        Files.write(photos.resolve("a.jpg"), new byte[] {2});
        Files.createDirectories(photos.resolve("nested")); // not a photo: left out
        Path single = Files.write(dir.resolve("z.jpeg"), new byte[] {3});

        assertThat(SendPhotosCommand.files(List.of(single, photos)))
                .containsExactly(single, photos.resolve("a.jpg"), photos.resolve("b.png"));
    }

    @Test
    void aMissingPathIsRefusedBeforeAnythingIsSent() {
        assertThatThrownBy(() -> SendPhotosCommand.files(List.of(dir.resolve("absent.jpg"))))
                .isInstanceOf(IOException.class).hasMessageContaining("absent.jpg");
    }

    @Test
    void contentTypesFollowTheExtension() {
        assertThat(PhotoHeaders.contentType("A.JPG")).isEqualTo("image/jpeg");
        assertThat(PhotoHeaders.contentType("a.png")).isEqualTo("image/png");
        assertThat(PhotoHeaders.contentType("notes.txt")).isEqualTo("application/octet-stream");
    }
}
