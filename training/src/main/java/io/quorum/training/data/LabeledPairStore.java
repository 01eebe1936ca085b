package io.quorum.training.data;

import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.events.PairLabeled;
import io.quorum.shared.json.Json;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The labelled pairs received on {@code quorum.pairs.labeled}, kept as training data: one JSON line per
 * {@link PairLabeled}, appended and flushed; a later label of the same pair id wins when read.
 */
public final class LabeledPairStore {

    private final Path file;
    private long appended;

    public LabeledPairStore(Path file) throws IOException {
        this.file = file;
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
    }

    public synchronized void append(PairLabeled p) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            w.write(Json.toString(p));
            w.write('\n');
        }
        appended++;
    }

    /** Pairs appended since this store was opened. */
    public synchronized long appended() {
        return appended;
    }

    public Path file() {
        return file;
    }

    /** The distinct labelled pairs of {@code file} (last label per pair id). */
    public static List<LabeledPair> read(Path file) throws IOException {
        Map<String, LabeledPair> byId = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            PairLabeled p = Json.fromString(line, PairLabeled.class);
            byId.put(p.pairId(), new LabeledPair(p.pairId(), p.leftId(), p.rightId(), p.left(), p.right(), p.label()));
        }
        return new ArrayList<>(byId.values());
    }
}
