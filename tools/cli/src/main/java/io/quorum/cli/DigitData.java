package io.quorum.cli;

import io.quorum.shared.data.DataDir;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The labelled digits an {@code eval} command reads ({@code @Mixin}): IDX files ({@code --images}, {@code --labels})
 * or a named data set in {@code $QUORUM_DATA_DIR} ({@code --data}), optionally only the first {@code --limit}.
 */
final class DigitData {

    @Option(names = "--images", description = "IDX image file (gzip or not)")
    Path images;

    @Option(names = "--labels", description = "IDX label file (gzip or not)")
    Path labels;

    @Option(names = "--data", description = "a named data set instead: mnist, fashion-mnist[:train|:test] (in $QUORUM_DATA_DIR)")
    String data;

    @Option(names = "--limit", description = "the first N images only")
    Integer limit;

    /** Checks the combination; throws {@link IllegalArgumentException} saying what is wrong. */
    void validate() {
        boolean files = images != null || labels != null;
        if (files && (images == null || labels == null)) {
            throw new IllegalArgumentException("--images and --labels go together");
        }
        if (files == (data != null)) {
            throw new IllegalArgumentException("give --images F --labels F, or --data mnist|fashion-mnist[:test]");
        }
        if (limit != null && limit < 1) {
            throw new IllegalArgumentException("--limit must be >= 1");
        }
    }

    /** Whether a named data set was given (else two files). */
    boolean named() {
        return data != null;
    }

    /** The whole set, before {@link #limit}. */
    DigitSet read() throws IOException {
        return data != null ? DigitSets.load(data, DataDir.root())
                : DigitSets.read(images.getFileName().toString(), images, labels, DigitSets.DIGITS);
    }

    /** The first {@code --limit} images of {@code set} (all without it). */
    DigitSet limit(DigitSet set) {
        return limit == null ? set : set.head(limit);
    }

    /** The data as the JSON output names it: the set's name, or both files. */
    String describe() {
        return data != null ? data : DataDir.describe(images) + " | " + DataDir.describe(labels);
    }

    /** The reference a data-set request carries: the name, or the absolute IDX paths. */
    String reference() {
        return data != null ? data : images.toAbsolutePath() + "|" + labels.toAbsolutePath();
    }
}
