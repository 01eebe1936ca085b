package io.quorum.training.data;

import io.quorum.training.api.JobFailedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Confines file parameters of jobs ({@code data=}, a vectors file) to the data directory: a relative value resolves
 * against it, an absolute one must lie in it, no {@code ..} may lead out of it, and the file's real path (symbolic
 * links followed) must lie in the data directory's real path. The trainer service uses it for every request (from
 * Kafka or {@code POST /jobs}); local tools (ablation, evaluation) read any file they are given.
 */
public final class DataPaths {

    /** The {@code data} value for synthetic pairs (no file). */
    public static final String GENERATED = "generated";

    /** The {@code data} values of the image data sets the digits jobs read from the data directory by name. */
    public static final String MNIST = "mnist";
    public static final String FASHION_MNIST = "fashion-mnist";

    /** {@code data} values that name no file: synthetic data, the labelled-pair store and the named image sets. */
    public static final Set<String> KEYWORDS = Set.of(GENERATED, TextPairSource.LABELED, MNIST, FASHION_MNIST);

    private DataPaths() {
    }

    /** Whether {@code data} names no file ({@link #KEYWORDS}). */
    public static boolean isKeyword(String data) {
        return KEYWORDS.contains(data);
    }

    /**
     * The regular file {@code value} names inside {@code dataDir} (its real path), or a {@link JobFailedException}
     * saying why not: outside the data directory (absolute, {@code ..} or a symbolic link leading out), missing, or
     * not a regular file.
     */
    public static Path confine(Path dataDir, String value) throws JobFailedException {
        if (value == null || value.isBlank()) {
            throw new JobFailedException("data path is empty");
        }
        Path root = dataDir.toAbsolutePath().normalize();
        Path given;
        try {
            given = Path.of(value);
        } catch (InvalidPathException e) {
            throw new JobFailedException("data path '" + value + "' is not a valid path: " + e.getReason());
        }
        Path file = (given.isAbsolute() ? given : root.resolve(given)).normalize();
        if (!file.startsWith(root)) {
            throw outside(value, root, null);
        }
        if (!Files.exists(file)) {
            throw new JobFailedException("training data " + value + " not found in the data directory " + root);
        }
        Path real;
        Path realRoot;
        try {
            realRoot = root.toRealPath();
            real = file.toRealPath();
        } catch (IOException e) {
            throw new JobFailedException("cannot resolve training data " + value + ": " + e.getMessage(), e);
        }
        if (!real.startsWith(realRoot)) {
            throw outside(value, root, real);
        }
        if (!Files.isRegularFile(real)) {
            throw new JobFailedException("training data " + value + " is not a regular file");
        }
        return real;
    }

    /**
     * How {@code file} is named in data references: {@code $QUORUM_DATA_DIR/<relative>} when it lies in
     * {@code dataDir} (as given or as its real path), else as given.
     */
    public static String describe(Path dataDir, Path file) {
        Path abs = file.toAbsolutePath().normalize();
        Path root = dataDir.toAbsolutePath().normalize();
        if (!abs.startsWith(root)) {
            try {
                root = root.toRealPath();
            } catch (IOException e) {
                return file.toString();
            }
        }
        return abs.startsWith(root) ? "$QUORUM_DATA_DIR/" + root.relativize(abs) : file.toString();
    }

    private static JobFailedException outside(String value, Path root, Path real) {
        return new JobFailedException("data path " + value + (real == null ? "" : " (a link to " + real + ")")
                + " is outside the data directory " + root + "; give a path inside it (e.g. mrpc/msr_paraphrase_train.txt), '"
                + GENERATED + "' or '" + TextPairSource.LABELED + "'");
    }
}
