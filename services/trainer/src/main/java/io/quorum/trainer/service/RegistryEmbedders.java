package io.quorum.trainer.service;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.model.ArtifactFetcher;
import io.quorum.shared.model.FetchRetry;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import io.quorum.text.Embedders;
import io.quorum.shared.model.ModelProperties;
import io.quorum.training.data.EmbedderResolver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Resolves embedders for training jobs from the registry: the champion version of the named embedder, fetched and
 * hash-verified like a serving service does, so a scorer is trained on exactly the vectors it will be served. A job's
 * {@code vectors} parameter therefore only checks the champion's word-vector source; it never builds other vectors.
 */
final class RegistryEmbedders implements EmbedderResolver {

    private final ModelRegistry registry;
    private final List<ModelStore> stores;
    private final Path cache;
    private final InferenceOptions options;
    private final FetchRetry fetchRetry;

    RegistryEmbedders(ModelRegistry registry, List<ModelStore> stores, Path cache, InferenceOptions options,
                      FetchRetry fetchRetry) {
        this.registry = registry;
        this.stores = stores;
        this.cache = cache;
        this.options = options;
        this.fetchRetry = fetchRetry;
    }

    @Override
    public Resolved resolve(String name, String vectors, List<String> corpus) throws Exception {
        RegistryState state = registry.snapshot(Duration.ofSeconds(30));
        ModelPublished meta = state.resolve(name, RegistryState.ALIAS_CHAMPION).orElseThrow(() -> new IllegalArgumentException(
                "embedder " + name + " has no champion version in the registry (./quorum up publishes minilm and minilm-q; "
                        + "./quorum train word-vectors publishes tfidf-w2v; mean-w2v exists only in the ablation)"));
        String served = meta.properties().get(ModelProperties.VECTORS);
        if (vectors != null && served != null && !served.equals(vectors)) {
            // a scorer must be trained on exactly the vectors it will be served: the champion embedder decides them
            throw new IllegalArgumentException("vectors=" + vectors + " asked for, but the " + name + " champion (v"
                    + meta.version() + ") uses vectors=" + served + ": publish the embedder first (./quorum train word-vectors"
                    + " data=... vectors=" + vectors + "), then train without vectors=");
        }
        // transient failures (a file not yet visible on a shared store) are retried in the job's thread
        Path dir = ArtifactFetcher.fetch(meta, stores, cache.resolve(name).resolve(Integer.toString(meta.version())),
                fetchRetry);
        return new Resolved(Embedders.load(meta, dir, options), meta.version(), name + " v" + meta.version(), dir);
    }
}
