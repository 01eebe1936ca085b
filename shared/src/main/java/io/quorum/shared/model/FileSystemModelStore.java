package io.quorum.shared.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Model store on a file system: {@code <root>/<name>/<version>/<artifact>} (the Triton repository layout), with a
 * {@code MANIFEST.json} written last. A version directory is allocated with an atomic {@code mkdir}, so concurrent
 * publishers never get the same number; a version without a manifest is incomplete and invisible. Stored files are
 * made read-only. See {@code DESIGN.md} in this package.
 */
public final class FileSystemModelStore implements ModelStore {

    static final String MANIFEST = "MANIFEST.json";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
    private static final Pattern ARTIFACT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Path root;

    public FileSystemModelStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    @Override
    public StoredVersion put(String name, List<Artifact> artifacts) throws IOException {
        checkName(name);
        if (artifacts.isEmpty()) {
            throw new IllegalArgumentException("a version needs at least one artifact");
        }
        for (Artifact a : artifacts) {
            if (!ARTIFACT.matcher(a.name()).matches() || a.name().equals(MANIFEST)) {
                throw new IllegalArgumentException("invalid artifact name '" + a.name() + "'");
            }
        }
        Path modelDir = Files.createDirectories(root.resolve(name));
        Path dir;
        int version;
        while (true) {
            version = highestAllocated(modelDir) + 1;
            try {
                dir = Files.createDirectory(modelDir.resolve(Integer.toString(version)));
                break;
            } catch (FileAlreadyExistsException raced) {
                // another publisher took this number: try the next one
            }
        }
        List<ArtifactRef> refs = new ArrayList<>();
        for (Artifact a : artifacts) {
            Path target = dir.resolve(a.name());
            Path tmp = dir.resolve("." + a.name() + ".tmp");
            MessageDigest md = Hashing.sha256();
            long size;
            try (InputStream in = Files.newInputStream(a.source());
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), md)) {
                size = in.transferTo(out);
            }
            move(tmp, target);
            target.toFile().setReadOnly();
            refs.add(new ArtifactRef(a.name(), target.toUri().toString(), Hashing.hex(md.digest()), size));
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("name", name);
        manifest.put("version", version);
        manifest.put("createdAt", System.currentTimeMillis());
        manifest.put("artifacts", refs);
        Path tmp = dir.resolve("." + MANIFEST + ".tmp");
        Files.write(tmp, Json.toPrettyString(manifest).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        move(tmp, dir.resolve(MANIFEST));
        dir.resolve(MANIFEST).toFile().setReadOnly();
        return new StoredVersion(name, version, List.copyOf(refs));
    }

    /** Reads the manifest of a complete version. */
    public StoredVersion read(String name, int version) throws IOException {
        Path manifest = root.resolve(name).resolve(Integer.toString(version)).resolve(MANIFEST);
        JsonNode node = Json.mapper().readTree(manifest.toFile());
        List<ArtifactRef> refs = new ArrayList<>();
        for (JsonNode a : node.get("artifacts")) {
            refs.add(Json.mapper().treeToValue(a, ArtifactRef.class));
        }
        return new StoredVersion(name, version, List.copyOf(refs));
    }

    @Override
    public List<Integer> versions(String name) throws IOException {
        checkName(name);
        Path modelDir = root.resolve(name);
        if (!Files.isDirectory(modelDir)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(modelDir)) {
            return dirs.filter(d -> Files.exists(d.resolve(MANIFEST)))
                    .map(d -> parseVersion(d.getFileName().toString()))
                    .filter(v -> v > 0)
                    .sorted()
                    .toList();
        }
    }

    @Override
    public boolean handles(URI uri) {
        return "file".equals(uri.getScheme());
    }

    @Override
    public void fetch(URI uri, Path target) throws IOException {
        if (!handles(uri)) {
            throw new IllegalArgumentException("not a file URI: " + uri);
        }
        Path source = Path.of(uri);
        if (!Files.exists(source)) {
            throw new NoSuchFileException(source.toString(), null, "artifact not found in the model store");
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = target.resolveSibling("." + target.getFileName() + ".part");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        move(tmp, target);
    }

    @Override
    public String describe() {
        return "file store at " + root;
    }

    private static int highestAllocated(Path modelDir) throws IOException {
        try (Stream<Path> dirs = Files.list(modelDir)) {
            return dirs.mapToInt(d -> parseVersion(d.getFileName().toString())).max().orElse(0);
        }
    }

    private static int parseVersion(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid model name '" + name
                    + "': lower-case letters, digits, '.', '_' and '-', at most 64");
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
