package io.quorum.embedding;

import io.quorum.shared.events.ModelPublished;
import io.quorum.text.Embedder;

/** A verified embedder version. */
record LoadedEmbedder(ModelPublished meta, Embedder embedder) implements AutoCloseable {

    String name() {
        return meta.name();
    }

    int version() {
        return meta.version();
    }

    @Override
    public void close() {
        embedder.close();
    }
}
