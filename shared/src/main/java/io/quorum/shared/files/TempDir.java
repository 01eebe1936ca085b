package io.quorum.shared.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A temporary directory that is removed, with everything in it, when closed. Model files are large (MiniLM is
 * 90 MB), so every temporary copy made on the way to the model store is made in one of these.
 */
public final class TempDir implements AutoCloseable {

    private final Path path;

    private TempDir(Path path) {
        this.path = path;
    }

    /** Creates a new directory under the system temp directory, named {@code prefix} plus a random suffix. */
    public static TempDir create(String prefix) throws IOException {
        return new TempDir(Files.createTempDirectory(prefix));
    }

    /** The directory. */
    public Path path() {
        return path;
    }

    /** {@code path().resolve(name)}. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Removes the directory and its contents (best effort: a file another process still holds may remain). */
    @Override
    public void close() {
        deleteRecursively(path);
    }

    /**
     * Removes {@code path} (a file, or a directory with its contents); missing paths are ignored and a failure to
     * delete one entry does not stop the others. Returns whether nothing is left.
     */
    public static boolean deleteRecursively(Path path) {
        if (path == null || !Files.exists(path)) {
            return true;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // keep going: the rest can still be removed
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a concurrent change while walking; what remains is reported below
        }
        return !Files.exists(path);
    }
}
