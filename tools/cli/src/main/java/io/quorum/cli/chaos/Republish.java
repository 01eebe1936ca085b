package io.quorum.cli.chaos;

import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A hot swap for chaos runs: the champion's artifacts published again as a new version and made champion. */
public final class Republish {

    private Republish() {
    }

    /** Publishes {@code model}'s champion again as a new champion version; returns the new version. */
    public static int champion(ModelRegistry registry, ModelStore store, String model) throws Exception {
        ModelPublished champion = registry.snapshot(Duration.ofSeconds(30)).resolve(model, RegistryState.ALIAS_CHAMPION)
                .orElseThrow(() -> new IllegalStateException("no champion of " + model + " to swap"));
        try (TempDir tmp = TempDir.create("chaos-swap-")) {
            Path primary = null;
            List<ModelStore.Artifact> extra = new ArrayList<>();
            List<ArtifactRef> artifacts = champion.artifacts().isEmpty()
                    ? List.of(new ArtifactRef(ModelPublisher.PRIMARY, champion.uri(), champion.sha256(), champion.sizeBytes()))
                    : champion.artifacts();
            for (ArtifactRef a : artifacts) {
                Path local = tmp.resolve(a.name());
                store.fetch(URI.create(a.uri()), local);
                if (a.name().equals(ModelPublisher.PRIMARY)) {
                    primary = local;
                } else {
                    extra.add(new ModelStore.Artifact(a.name(), local));
                }
            }
            Lineage lineage = new Lineage(champion.version(), "chaos hot swap of v" + champion.version(),
                    champion.lineage() == null ? null : champion.lineage().dataRef(),
                    champion.lineage() == null ? null : champion.lineage().dataHash(),
                    champion.lineage() == null ? null : champion.lineage().codeVersion(), 0L);
            return new ModelPublisher(store, registry).publish(new ModelPublisher.Request(model, primary, extra,
                    champion.metrics(), lineage, champion.properties(), RegistryState.ALIAS_CHAMPION)).version();
        }
    }
}
