package io.quorum.shared.model;

import io.quorum.shared.events.ArtifactRef;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where model artifacts live, addressed by name and version. Versions are allocated by the store (monotonic per
 * name), written once and never modified. The file-system store is the default; an object store (S3-compatible)
 * implements the same interface with its own URI scheme.
 */
public interface ModelStore {

    /** A file to store as part of a version. */
    record Artifact(String name, Path source) {
    }

    /** A version as stored: its number and its artifacts with content hashes. */
    record StoredVersion(String name, int version, List<ArtifactRef> artifacts) {

        /** The artifact called {@code name}. */
        public ArtifactRef artifact(String artifactName) {
            return artifacts.stream().filter(a -> a.name().equals(artifactName)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("version " + version + " has no artifact " + artifactName));
        }
    }

    /** Allocates the next version of {@code name} and stores {@code artifacts} in it, immutably. */
    StoredVersion put(String name, List<Artifact> artifacts) throws IOException;

    /** The complete versions of {@code name}, ascending. */
    List<Integer> versions(String name) throws IOException;

    /** Whether this store resolves {@code uri}. */
    boolean handles(URI uri);

    /** Copies the artifact at {@code uri} to {@code target} (replacing it). */
    void fetch(URI uri, Path target) throws IOException;

    /** A human-readable location, for logs. */
    String describe();
}
