package io.quorum.shared.model;

import io.quorum.shared.events.ModelPublished;
import java.nio.file.Path;

/**
 * Turns a fetched, hash-verified model version into something a service can serve, checking that it fits the
 * service (signature, contract, smoke inference). Implementations throw {@link ModelRejectedException} for a
 * version that must not serve.
 *
 * @param <M> the loaded model type
 */
@FunctionalInterface
public interface ModelLoader<M extends AutoCloseable> {

    /**
     * Loads version {@code meta} whose artifacts are in {@code dir} (named as in the store).
     */
    M load(ModelPublished meta, Path dir) throws ModelRejectedException;
}
