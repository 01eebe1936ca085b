package io.quorum.pairscoring.search;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.jboss.logging.Logger;

/**
 * Opens the persisted index of one topic and decides whether it can be resumed (replaying only the tail after its
 * checkpoint) or must be rebuilt from the beginning of the topic: then it says why, deletes the directory and starts
 * an empty index there.
 */
final class IndexStore {

    private static final Logger LOG = Logger.getLogger(IndexStore.class);

    /**
     * An opened index: resumed from {@code checkpoint} (and {@code rebuild} null), or empty with the reason it is
     * rebuilt (and {@code checkpoint} null).
     */
    record Opened(QuestionIndex index, IndexCheckpoint checkpoint, IndexCheckpoint.Rebuild rebuild) {
    }

    private IndexStore() {
    }

    /**
     * Opens the index in {@code dir} (null: in memory, always rebuilt) for {@code topic}, resuming it when its
     * checkpoint still describes the topic, the configured quantisation and the group's answered offsets.
     */
    static Opened open(Path dir, Quantization quantization, double ramBufferMb, IndexCheckpoint.TopicState topic,
                       Map<Integer, Long> answered, long nowMs) {
        if (dir == null) {
            return new Opened(QuestionIndex.inMemory(quantization), null,
                    new IndexCheckpoint.Rebuild(IndexCheckpoint.Reason.NO_INDEX, "the index is kept in memory"));
        }
        IndexCheckpoint.Rebuild why;
        if (!exists(dir)) {
            why = new IndexCheckpoint.Rebuild(IndexCheckpoint.Reason.NO_INDEX, "no index in " + dir);
        } else {
            QuestionIndex index;
            try {
                index = QuestionIndex.open(dir, quantization, ramBufferMb);
            } catch (LockObtainFailedException e) {
                // another process (an instance with the same index-dir) holds it: never delete what it is using
                throw new IllegalStateException("the duplicate-search index in " + dir + " is locked by another process "
                        + "(another instance with the same index-dir?): " + e.getMessage(), e);
            } catch (IOException | RuntimeException e) {
                why = new IndexCheckpoint.Rebuild(IndexCheckpoint.Reason.UNREADABLE, "index in " + dir
                        + " cannot be opened: " + e);
                return fresh(dir, quantization, ramBufferMb, why);
            }
            Map<String, String> data = index.committedData();
            IndexCheckpoint checkpoint = null;
            try {
                checkpoint = IndexCheckpoint.fromUserData(data);
                why = checkpoint.check(topic, quantization, answered, nowMs);
            } catch (IllegalArgumentException e) {
                why = new IndexCheckpoint.Rebuild(IndexCheckpoint.Reason.NO_CHECKPOINT, e.getMessage());
            }
            if (why == null) {
                return new Opened(index, checkpoint, null);
            }
            index.close();
        }
        return fresh(dir, quantization, ramBufferMb, why);
    }

    private static Opened fresh(Path dir, Quantization quantization, double ramBufferMb, IndexCheckpoint.Rebuild why) {
        if (why.reason() != IndexCheckpoint.Reason.NO_INDEX) {
            LOG.warnf("duplicate-search index in %s is rebuilt from the topic: %s", dir, why.message());
        } else {
            LOG.infof("duplicate-search index is built from the topic: %s", why.message());
        }
        try {
            delete(dir);
            Files.createDirectories(dir);
            return new Opened(QuestionIndex.open(dir, quantization, ramBufferMb), null, why);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the duplicate-search index in " + dir, e);
        }
    }

    private static boolean exists(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (FSDirectory d = FSDirectory.open(dir)) {
            return DirectoryReader.indexExists(d) || d.listAll().length > 0;
        } catch (IOException e) {
            return true; // something is there: opening it will say what is wrong
        }
    }

    /** Deletes {@code dir} and everything in it. */
    static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
