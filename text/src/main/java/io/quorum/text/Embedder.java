package io.quorum.text;

import java.util.List;

/** Turns texts into fixed-length vectors, in batches. Thread-safe. */
public interface Embedder extends AutoCloseable {

    /** Registry model name ({@code minilm}, {@code tfidf-w2v}, ...). */
    String name();

    /** Vector length. */
    int dimension();

    /** One vector per text, in order. */
    float[][] embed(List<String> texts);

    /** Out-of-vocabulary accounting of the embedders that have a vocabulary. */
    default OovStats oov() {
        return OovStats.NONE;
    }

    @Override
    void close();
}
