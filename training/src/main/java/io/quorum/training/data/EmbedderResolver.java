package io.quorum.training.data;

import io.quorum.text.Embedder;
import java.util.List;

/**
 * Gives a job the embedder a pair scorer will be served with. The service resolves registry models (the champion
 * version of {@code minilm}, {@code tfidf-w2v}, ...); evaluations build embedders locally.
 */
public interface EmbedderResolver {

    /**
     * An embedder, the registry version it came from (null when not from the registry), a reference for lineage, and
     * the directory of its model files (null when it was built in memory).
     */
    record Resolved(Embedder embedder, Integer version, String ref, java.nio.file.Path files) implements AutoCloseable {
        public Resolved(Embedder embedder, Integer version, String ref) {
            this(embedder, version, ref, null);
        }

        @Override
        public void close() {
            embedder.close();
        }
    }

    /**
     * The embedder called {@code name}; {@code corpus} is the training text, for embedders that are built from it
     * (a vocabulary with IDF, self-trained word vectors).
     */
    Resolved resolve(String name, String vectors, List<String> corpus) throws Exception;
}
