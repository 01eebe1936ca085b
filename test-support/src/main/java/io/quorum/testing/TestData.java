package io.quorum.testing;

import io.quorum.shared.data.DataDir;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * The research data sets beside the checkout ({@code QUORUM_DATA_DIR}, default {@code ../shared/data}). A missing
 * data set skips the test locally, but fails it when {@code CI=true}: CI must never pass by skipping.
 */
public final class TestData {

    private TestData() {
    }

    /** {@code <data dir>/<relative>}, which must exist. */
    public static Path require(String relative) {
        Path p = DataDir.resolve(relative);
        if (!Files.exists(p)) {
            String msg = "data set " + p + " is missing (set " + DataDir.ENV + " to the data directory)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(msg + "; CI=true, so this fails instead of skipping");
            }
            Assumptions.abort(msg);
        }
        return p;
    }
}
