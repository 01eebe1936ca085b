package io.quorum.shared.model;

import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.ModelPublished;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Downloads every artifact of a version into a local directory and verifies each against its announced SHA-256
 * (files already there with the right hash are kept). Failures are classified: an I/O error or a missing file (which
 * may still appear on a slow shared file system) is {@linkplain ModelRejectedException#isTransient() transient};
 * a wrong SHA-256, an inconsistent announcement or a URI no store handles is final. {@link #fetchOnce} makes one
 * attempt (callers with their own scheduling, such as {@link ModelManager}, retry it); {@link #fetch} retries
 * transient failures in the calling thread.
 */
public final class ArtifactFetcher {

    private static final Logger LOG = Logger.getLogger(ArtifactFetcher.class);

    private ArtifactFetcher() {
    }

    /** Fetches {@code meta}'s artifacts into {@code dir}, retrying transient failures briefly ({@link FetchRetry#brief()}). */
    public static Path fetch(ModelPublished meta, List<ModelStore> stores, Path dir) throws ModelRejectedException {
        return fetch(meta, stores, dir, FetchRetry.brief());
    }

    /**
     * Fetches {@code meta}'s artifacts into {@code dir}, retrying transient failures in this thread as {@code retry}
     * allows; returns {@code dir}. A final failure, or a transient one that outlasts the retries, is thrown.
     */
    public static Path fetch(ModelPublished meta, List<ModelStore> stores, Path dir, FetchRetry retry)
            throws ModelRejectedException {
        long firstFailure = 0;
        for (int failures = 0; ; ) {
            try {
                return fetchOnce(meta, stores, dir);
            } catch (ModelRejectedException e) {
                if (!e.isTransient()) {
                    throw e;
                }
                failures++;
                if (failures == 1) {
                    firstFailure = System.nanoTime();
                }
                Duration since = Duration.ofNanos(System.nanoTime() - firstFailure);
                if (!retry.retryAllowed(failures, since)) {
                    throw e;
                }
                Duration wait = retry.delay(failures);
                LOG.warnf("%s v%d: %s; attempt %d failed, retrying in %d ms", meta.name(), meta.version(), e.getMessage(),
                        failures, wait.toMillis());
                try {
                    Thread.sleep(wait.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ModelRejectedException("fetch", "interrupted while retrying: " + e.getMessage(), e);
                }
            }
        }
    }

    /** One attempt at fetching {@code meta}'s artifacts into {@code dir}; returns {@code dir}. */
    public static Path fetchOnce(ModelPublished meta, List<ModelStore> stores, Path dir) throws ModelRejectedException {
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
            URI uri = URI.create(a.uri());
            ModelStore store = stores.stream().filter(s -> s.handles(uri)).findFirst().orElseThrow(
                    () -> new ModelRejectedException("fetch", "no model store handles " + uri));
            Path local = dir.resolve(a.name());
            String actual;
            try {
                if (Files.exists(local) && Hashing.sha256(local).equals(a.sha256())) {
                    continue;
                }
                store.fetch(uri, local);
                actual = Hashing.sha256(local);
            } catch (IOException e) {
                throw ModelRejectedException.transientFailure("fetch", "cannot fetch " + a.name() + " from " + a.uri()
                        + ": " + e, e);
            }
            if (!actual.equals(a.sha256())) {
                try {
                    Files.deleteIfExists(local);
                } catch (IOException ignored) {
                    // the next attempt replaces it anyway
                }
                throw new ModelRejectedException("sha256", "sha256 mismatch for " + a.name() + ": announced "
                        + a.sha256() + ", content has " + actual);
            }
        }
        return dir;
    }
}
