package io.quorum.shared.model;

import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.ModelPublished;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Downloads every artifact of a version into a local directory and verifies each against its announced SHA-256
 * (files already there with the right hash are kept). Transient I/O errors are retried; a missing file or a wrong
 * hash is a refusal.
 */
public final class ArtifactFetcher {

    private static final int ATTEMPTS = 3;

    private ArtifactFetcher() {
    }

    /** Fetches {@code meta}'s artifacts into {@code dir}; returns {@code dir}. */
    public static Path fetch(ModelPublished meta, List<ModelStore> stores, Path dir) throws ModelRejectedException {
        List<ArtifactRef> artifacts = meta.artifacts().isEmpty()
                ? List.of(new ArtifactRef(ModelPublisher.PRIMARY, meta.uri(), meta.sha256(), meta.sizeBytes()))
                : meta.artifacts();
        boolean primaryListed = artifacts.stream()
                .anyMatch(a -> a.uri().equals(meta.uri()) && a.sha256().equals(meta.sha256()));
        if (!primaryListed) {
            throw new ModelRejectedException("sha256", "announcement is inconsistent: primary artifact " + meta.uri()
                    + " with sha256 " + meta.sha256() + " is not among its artifacts");
        }
        for (ArtifactRef a : artifacts) {
            Path local = dir.resolve(a.name());
            try {
                if (Files.exists(local) && Hashing.sha256(local).equals(a.sha256())) {
                    continue;
                }
                copy(URI.create(a.uri()), local, stores);
                String actual = Hashing.sha256(local);
                if (!actual.equals(a.sha256())) {
                    Files.deleteIfExists(local);
                    throw new ModelRejectedException("sha256", "sha256 mismatch for " + a.name() + ": announced "
                            + a.sha256() + ", content has " + actual);
                }
            } catch (IOException e) {
                throw new ModelRejectedException("fetch", "cannot fetch " + a.name() + " from " + a.uri() + ": " + e, e);
            }
        }
        return dir;
    }

    private static void copy(URI uri, Path local, List<ModelStore> stores) throws IOException, ModelRejectedException {
        ModelStore store = stores.stream().filter(s -> s.handles(uri)).findFirst().orElseThrow(
                () -> new ModelRejectedException("fetch", "no model store handles " + uri));
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                store.fetch(uri, local);
                return;
            } catch (NoSuchFileException e) {
                throw e; // permanent
            } catch (IOException e) {
                last = e;
                try {
                    Thread.sleep(200L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        throw last;
    }
}
