package io.quorum.trainer.service;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.model.ArtifactFetcher;
import io.quorum.shared.model.FetchRetry;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import io.quorum.training.data.PublishedModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Resolves published models for training jobs from the registry ({@code NAME}: its champion; {@code NAME:VERSION};
 * {@code NAME:alias}), fetched and hash-verified into the trainer's cache like a serving service does: the baseline
 * member of a {@code digit-ensemble} is exactly the version the registry announced.
 */
final class RegistryModels implements PublishedModels {

    private final ModelRegistry registry;
    private final List<ModelStore> stores;
    private final Path cache;
    private final FetchRetry fetchRetry;

    RegistryModels(ModelRegistry registry, List<ModelStore> stores, Path cache, FetchRetry fetchRetry) {
        this.registry = registry;
        this.stores = stores;
        this.cache = cache;
        this.fetchRetry = fetchRetry;
    }

    @Override
    public Resolved resolve(String ref) throws Exception {
        RegistryState state = registry.snapshot(Duration.ofSeconds(30));
        String r = ref.trim();
        int colon = r.lastIndexOf(':');
        String name = colon < 0 ? r : r.substring(0, colon);
        String which = colon < 0 ? RegistryState.ALIAS_CHAMPION : r.substring(colon + 1);
        ModelPublished meta;
        if (which.matches("v?[0-9]+")) {
            int version = Integer.parseInt(which.startsWith("v") ? which.substring(1) : which);
            meta = state.resolve(name, version).orElseThrow(() -> new IllegalArgumentException("the registry has no " + name
                    + " v" + version));
        } else {
            meta = state.resolve(name, which).orElseThrow(() -> new IllegalArgumentException("the registry has no " + name
                    + " with alias " + which + " (name a version: " + name + ":N)"));
        }
        Path dir = ArtifactFetcher.fetch(meta, stores, cache.resolve(meta.name()).resolve(Integer.toString(meta.version())),
                fetchRetry);
        return new Resolved(meta.name(), meta.version(), meta.name() + " v" + meta.version(), dir, meta.sha256());
    }
}
