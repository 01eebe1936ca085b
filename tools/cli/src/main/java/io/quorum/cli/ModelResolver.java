package io.quorum.cli;

import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.model.ArtifactFetcher;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelRejectedException;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Picks registry versions for the CLI and fetches them (hash-verified) into a local cache. */
final class ModelResolver {

    private final RegistryState state;
    private final FileSystemModelStore store;
    private final Path cache;

    ModelResolver(RegistryState state, FileSystemModelStore store, Path cache) {
        this.state = state;
        this.store = store;
        this.cache = cache;
    }

    /**
     * The pair scorer to evaluate: {@code version} if given; else the champion when it was trained on {@code embedder}
     * (or no embedder is asked for); else the latest version trained on {@code embedder}.
     */
    ModelPublished pairScorer(Integer version, String embedder) {
        return pairModel(PairScorerSpec.MODEL_NAME, version, embedder);
    }

    /** As {@link #pairScorer}, for the pair model {@code name} ({@code pair-scorer} or {@code pair-aligner}). */
    ModelPublished pairModel(String name, Integer version, String embedder) {
        var h = state.model(name).orElseThrow(() ->
                new IllegalStateException("no " + name + " in the registry: ./quorum up publishes the default one"));
        if (version != null) {
            return h.version(version).orElseThrow(() -> new IllegalArgumentException(name + " has no version " + version));
        }
        Optional<ModelPublished> champion = h.alias(RegistryState.ALIAS_CHAMPION);
        if (embedder == null) {
            return champion.orElseGet(() -> h.latest().orElseThrow());
        }
        if (champion.isPresent() && embedder.equals(embedderOf(champion.get()))) {
            return champion.get();
        }
        return h.versions().descendingMap().values().stream().filter(v -> embedder.equals(embedderOf(v))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + name + " version was trained on " + embedder
                        + " vectors; train one: ./quorum train " + name + " --data FILE embedder=" + embedder));
    }

    /**
     * A model named {@code NAME} or {@code NAME:VERSION} ({@link ModelRef}): that version, else the champion, else the
     * latest version.
     */
    ModelPublished model(ModelRef ref) {
        var h = state.model(ref.name()).orElseThrow(() -> new IllegalArgumentException("no model " + ref.name()
                + " in the registry" + (ref.name().equals(io.quorum.shared.model.DigitClassifierSpec.MODEL_NAME)
                ? ": train one with ./quorum train digit-classifier" : "")));
        if (ref.version() != null) {
            return h.version(ref.version()).orElseThrow(() ->
                    new IllegalArgumentException(ref.name() + " has no version " + ref.version()));
        }
        return h.alias(RegistryState.ALIAS_CHAMPION).orElseGet(() -> h.latest().orElseThrow());
    }

    static String embedderOf(ModelPublished scorer) {
        return scorer.properties().get(PairScorerSpec.META_EMBEDDER);
    }

    /**
     * The embedder version a scorer was trained on: the one with the recorded SHA-256, else the recorded version, else
     * the embedder's champion.
     */
    ModelPublished embedderFor(ModelPublished scorer) {
        String name = embedderOf(scorer);
        if (name == null) {
            throw new IllegalStateException(scorer.name() + " v" + scorer.version() + " was not trained on text embeddings "
                    + "(data: " + (scorer.lineage() == null ? "?" : scorer.lineage().dataRef()) + ")");
        }
        String sha = scorer.properties().get(PairScorerSpec.META_EMBEDDER_SHA256);
        if (sha != null) { // trained together with its embedder (minilm-siamese): the version with that content
            return state.model(name).flatMap(h -> h.versions().values().stream().filter(m -> sha.equals(m.sha256())).findFirst())
                    .orElseThrow(() -> new IllegalStateException("embedder " + name + " with sha256 " + sha
                            + " is not in the registry"));
        }
        String v = scorer.properties().get(PairScorerSpec.META_EMBEDDER_VERSION);
        if (v != null) {
            return state.resolve(name, Integer.parseInt(v)).orElseThrow(() ->
                    new IllegalStateException("embedder " + name + " v" + v + " is not in the registry"));
        }
        return state.resolve(name, RegistryState.ALIAS_CHAMPION).orElseThrow(() ->
                new IllegalStateException("embedder " + name + " has no champion in the registry"));
    }

    Path fetch(ModelPublished meta) throws ModelRejectedException {
        return ArtifactFetcher.fetch(meta, List.of(store), cache.resolve(meta.name()).resolve(Integer.toString(meta.version())));
    }
}
