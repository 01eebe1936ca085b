package io.quorum.trainer.data;

import io.quorum.text.Embedder;
import java.util.List;

/**
 * Gives a job the embedder a pair scorer will be served with. The service resolves registry models (the champion
 * version of {@code minilm}, {@code tfidf-w2v}, ...); evaluations build embedders locally.
 */
public interface EmbedderResolver {

    /** An embedder and the registry version it came from (null when not from the registry). */
    record Resolved(Embedder embedder, Integer version, String ref) implements AutoCloseable {
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
