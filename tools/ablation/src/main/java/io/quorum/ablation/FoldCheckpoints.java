package io.quorum.ablation;

import io.quorum.shared.json.Json;
import io.quorum.shared.model.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One file per finished ablation fold, so that a run of several hours that is killed (or split with {@code --fold})
 * can be completed with {@code --resume true} instead of starting over. A fold is identified by everything that
 * decides its result: the content (SHA-256) of the data file, the fold's job parameters (fold number, fold count,
 * rows, epochs, the row's parameters) and the seed. Code changes are not part of the key: {@code --resume} is off by
 * default, and a run that measures changed code must not pass it.
 */
final class FoldCheckpoints {

    /** The identity of one fold: its canonical description and the file name derived from it. */
    record Key(Map<String, String> identity, String id) {
    }

    private static final int SCHEMA = 1;
    private final Path dir;
    private final Path dataDir;
    private final long seed;
    private final Map<String, String> dataHashes = new LinkedHashMap<>();

    /** Checkpoints in {@code dir} of folds run with {@code seed}, on data files found as the jobs find them. */
    FoldCheckpoints(Path dir, Path dataDir, long seed) {
        this.dir = dir;
        this.dataDir = dataDir;
        this.seed = seed;
    }

    /** The key of the fold run with {@code params} (which hold {@code data}, {@code fold}, {@code folds}, ...). */
    Key key(String data, Map<String, String> params) {
        Map<String, String> identity = new TreeMap<>(params);
        identity.remove("data");
        identity.put("dataSha256", dataHashes.computeIfAbsent(data, this::hashOf));
        identity.put("seed", Long.toString(seed));
        identity.put("schema", Integer.toString(SCHEMA));
        String id = Hashing.sha256(Json.toString(identity).getBytes(StandardCharsets.UTF_8)).substring(0, 24);
        return new Key(identity, id);
    }

    Path file(Key key) {
        return dir.resolve("fold-" + key.id() + ".json");
    }

    /** The metrics of a finished fold with this key, if one was saved (and its identity matches, not only its name). */
    @SuppressWarnings("unchecked")
    Optional<Map<String, Double>> load(Key key) {
        Path f = file(key);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            Map<String, Object> saved = Json.fromBytes(Files.readAllBytes(f), Map.class);
            if (!key.identity().equals(saved.get("identity"))) {
                return Optional.empty();
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            ((Map<String, Object>) saved.get("metrics")).forEach((k, v) -> metrics.put(k, ((Number) v).doubleValue()));
            return Optional.of(metrics);
        } catch (IOException | RuntimeException e) {
            System.err.println("[ablation] ignoring unreadable checkpoint " + f + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Saves a finished fold; written to a temporary file first, so a kill leaves no half-written checkpoint. */
    void save(Key key, Map<String, Double> metrics) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("identity", key.identity());
        doc.put("metrics", metrics);
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "fold-", ".tmp");
            Files.write(tmp, Json.toBytes(doc));
            Files.move(tmp, file(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the fold checkpoint in " + dir, e);
        }
    }

    /** The data file's SHA-256, looked up as the jobs do: the path itself, else under the data directory. */
    private String hashOf(String data) {
        Path file = Path.of(data);
        if (!Files.isRegularFile(file)) {
            file = dataDir.resolve(data);
        }
        try {
            return Files.isRegularFile(file) ? Hashing.sha256(file) : "name:" + data;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
