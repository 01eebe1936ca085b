package io.quorum.shared.model;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file store whose fetches of chosen versions fail a number of times (a missing file, then I/O errors: a slow
 * shared file system), or always return wrong bytes; counts fetch attempts per version.
 */
final class FlakyStore implements ModelStore {

    private final FileSystemModelStore delegate;
    private final Map<Integer, AtomicInteger> failuresLeft = new ConcurrentHashMap<>();
    private final Map<Integer, Boolean> corrupt = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> attempts = new ConcurrentHashMap<>();

    FlakyStore(FileSystemModelStore delegate) {
        this.delegate = delegate;
    }

    /** The next {@code times} fetches of {@code version} fail (Integer.MAX_VALUE: always). */
    FlakyStore failing(int version, int times) {
        failuresLeft.put(version, new AtomicInteger(times));
        return this;
    }

    /** Fetches of {@code version} deliver other bytes than were stored. */
    FlakyStore corrupt(int version) {
        corrupt.put(version, true);
        return this;
    }

    int attempts(int version) {
        return attempts.getOrDefault(version, new AtomicInteger()).get();
    }

    @Override
    public void fetch(URI uri, Path target) throws IOException {
        int version = Integer.parseInt(Path.of(uri).getParent().getFileName().toString());
        int attempt = attempts.computeIfAbsent(version, v -> new AtomicInteger()).incrementAndGet();
        AtomicInteger left = failuresLeft.get(version);
        if (left != null && left.getAndUpdate(n -> n == Integer.MAX_VALUE ? n : Math.max(0, n - 1)) > 0) {
            if (attempt == 1) {
                throw new NoSuchFileException(uri.toString(), null, "not visible yet (test)");
            }
            throw new IOException("stale NFS file handle (test)");
        }
        if (corrupt.containsKey(version)) {
            Files.createDirectories(target.toAbsolutePath().getParent());
            Files.writeString(target, "not what was announced");
            return;
        }
        delegate.fetch(uri, target);
    }

    @Override
    public StoredVersion put(String name, List<Artifact> artifacts) throws IOException {
        return delegate.put(name, artifacts);
    }

    @Override
    public List<Integer> versions(String name) throws IOException {
        return delegate.versions(name);
    }

    @Override
    public boolean handles(URI uri) {
        return delegate.handles(uri);
    }

    @Override
    public String describe() {
        return "flaky " + delegate.describe();
    }
}
