package io.quorum.shared.data;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the data directory ({@code QUORUM_DATA_DIR}, default {@code ../shared/data} relative to the working
 * directory or one of its parents), where the research data sets live outside the repository.
 */
public final class DataDir {

    /** Environment variable (and system property {@code quorum.data.dir}) naming the data directory. */
    public static final String ENV = "QUORUM_DATA_DIR";

    private DataDir() {
    }

    /** The configured data directory (may not exist). */
    public static Path root() {
        String configured = System.getProperty("quorum.data.dir", System.getenv(ENV));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("data");
            if (p.getParent() != null && Files.isDirectory(candidate) && Files.isDirectory(p.resolve(".git"))) {
                return candidate.normalize();
            }
        }
        return dir.resolve("../shared/data").normalize();
    }

    /**
     * How {@code file} is named in reports, model cards and committed results: {@code $QUORUM_DATA_DIR/<relative>}
     * when it lies in the data directory, so no machine's absolute path is written down; else as given.
     */
    public static String describe(Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path root = root();
        return abs.startsWith(root) ? "$" + ENV + "/" + root.relativize(abs) : file.toString();
    }

    /** {@code root()/relative}. */
    public static Path resolve(String relative) {
        return root().resolve(relative);
    }
}
