package io.quorum.shared.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads image+score lists: one {@code <relative image path> <score>} per line (space or tab before the score; the
 * path may itself contain spaces, so the score is the last field). Paths are resolved against a base directory;
 * entries whose image is missing are skipped and counted (MEBeauty's split files name crops that do not exist).
 */
public final class ImageScoreList {

    /** One scored image. */
    public record ImageScore(Path image, double score) {
    }

    /** The entries present, and the lines skipped (missing image or unparsable). */
    public record Result(List<ImageScore> entries, int missing, int malformed) {
    }

    private ImageScoreList() {
    }

    public static Result read(Path list, Path baseDir) throws IOException {
        List<ImageScore> entries = new ArrayList<>();
        int missing = 0;
        int malformed = 0;
        for (String raw : Files.readAllLines(list, StandardCharsets.UTF_8)) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int cut = Math.max(line.lastIndexOf(' '), line.lastIndexOf('\t'));
            if (cut <= 0) {
                malformed++;
                continue;
            }
            double score;
            try {
                score = Double.parseDouble(line.substring(cut + 1));
            } catch (NumberFormatException e) {
                malformed++;
                continue;
            }
            if (!Double.isFinite(score)) {
                malformed++;
                continue;
            }
            Path image = baseDir.resolve(line.substring(0, cut).strip()).normalize();
            if (!Files.isRegularFile(image)) {
                missing++;
                continue;
            }
            entries.add(new ImageScore(image, score));
        }
        return new Result(List.copyOf(entries), missing, malformed);
    }
}
