package io.quorum.shared.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Confines file names that arrive from outside (a Kafka record, an HTTP request) to a data directory: the rule the
 * trainer applies to {@code data=} paths, for services that must not depend on the training module. A name resolves
 * only to a regular file inside the directory: no absolute path outside it, no {@code ..} climbing out, no symbolic
 * link leading out (checked on real paths).
 */
public final class DataFiles {

    private DataFiles() {
    }

    /** Why a name was refused. */
    public static final class RefusedException extends Exception {
        public RefusedException(String message) {
            super(message);
        }
    }

    /**
     * The real path of the regular file {@code value} names inside {@code dataDir}, or a {@link RefusedException}
     * saying why not: empty, not a valid path, outside the data directory, missing, or not a regular file.
     */
    public static Path confine(Path dataDir, String value) throws RefusedException {
        if (value == null || value.isBlank()) {
            throw new RefusedException("the file name is empty");
        }
        Path root = dataDir.toAbsolutePath().normalize();
        Path given;
        try {
            given = Path.of(value.trim());
        } catch (InvalidPathException e) {
            throw new RefusedException("'" + value + "' is not a valid path: " + e.getReason());
        }
        Path file = (given.isAbsolute() ? given : root.resolve(given)).normalize();
        if (!file.startsWith(root)) {
            throw new RefusedException("'" + value + "' is outside the data directory");
        }
        if (!Files.exists(file)) {
            throw new RefusedException("'" + value + "' does not exist in the data directory");
        }
        Path real;
        try {
            real = file.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new RefusedException("'" + value + "' is a link that leads outside the data directory");
            }
        } catch (IOException e) {
            throw new RefusedException("cannot resolve '" + value + "': " + e.getMessage());
        }
        if (!Files.isRegularFile(real)) {
            throw new RefusedException("'" + value + "' is not a regular file");
        }
        return real;
    }
}
