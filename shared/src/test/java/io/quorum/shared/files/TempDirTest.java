package io.quorum.shared.files;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TempDirTest {

    @Test
    void closingRemovesTheDirectoryWithNestedFiles() throws Exception {
        Path dir;
        try (TempDir t = TempDir.create("quorum-tempdir-test-")) {
            dir = t.path();
            Files.writeString(t.resolve("model.onnx"), "x");
            Files.createDirectories(t.resolve("a/b"));
            Files.writeString(t.resolve("a/b/tokenizer.json"), "{}");
            assertTrue(Files.isDirectory(dir));
        }
        assertFalse(Files.exists(dir));
    }

    @Test
    void deletingAMissingPathOrAFileIsFine() throws Exception {
        Path f = Files.createTempFile("quorum-tempdir-test-", ".bin");
        assertTrue(TempDir.deleteRecursively(f));
        assertFalse(Files.exists(f));
        assertTrue(TempDir.deleteRecursively(f));
        assertTrue(TempDir.deleteRecursively(null));
    }
}
