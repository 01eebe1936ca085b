package io.quorum.training.data;

import java.nio.file.Path;

/**
 * Gives a job the files of a model that was published before it (the baseline member of a {@code digit-ensemble}). The
 * trainer resolves registry references ({@code NAME}, {@code NAME:VERSION}, {@code NAME:alias}), fetched and
 * hash-verified like a serving service does; tools and tests resolve local version directories
 * ({@link LocalModelDirs}).
 */
public interface PublishedModels {

    /**
     * A resolved version: its name and version (null when not from the registry), a reference for lineage
     * ({@code digit-classifier v3}), the directory holding its files ({@code model.onnx}, {@code gradient.onnx}, ...)
     * and the SHA-256 of {@code model.onnx}.
     */
    record Resolved(String name, Integer version, String ref, Path dir, String sha256) {
    }

    /** The version {@code ref} names. Throws with a reason a user can act on when there is none. */
    Resolved resolve(String ref) throws Exception;

    /** A resolver that knows no model (jobs run where no registry is reachable). */
    static PublishedModels none() {
        return ref -> {
            throw new IllegalArgumentException("no published models can be resolved here (asked for '" + ref + "')");
        };
    }
}
