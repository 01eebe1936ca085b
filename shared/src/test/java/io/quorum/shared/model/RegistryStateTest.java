package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.events.AliasMoved;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class RegistryStateTest {

    static ModelPublished version(String name, int v, String alias) {
        return new ModelPublished(1, name, v, alias, "file:/m/" + v, "sha" + v, 1, List.of(),
                new ModelSignature(List.of(TensorSpec.float32("x", -1, 2)), List.of(TensorSpec.float32("y", -1, 1))),
                null, null, null, v);
    }

    @Test
    void foldsPublicationsAndAliasMoves() {
        RegistryState s = RegistryState.empty()
                .apply(version("m", 1, "champion"))
                .apply(version("m", 2, "champion"))
                .apply(version("m", 3, "candidate"))
                .apply(version("other", 1, "champion"));
        assertThat(s.resolve("m", "champion")).get().extracting(ModelPublished::version).isEqualTo(2);
        assertThat(s.resolve("m", "candidate")).get().extracting(ModelPublished::version).isEqualTo(3);
        assertThat(s.model("m").orElseThrow().state(1)).isEqualTo(RegistryState.VersionState.RETIRED);
        assertThat(s.model("m").orElseThrow().state(2)).isEqualTo(RegistryState.VersionState.CHAMPION);
        assertThat(s.model("m").orElseThrow().state(3)).isEqualTo(RegistryState.VersionState.CANDIDATE);

        RegistryState rolledBack = s.apply(new AliasMoved(1, "m", "champion", 1, 2, "rollback", 9));
        assertThat(rolledBack.resolve("m", "champion")).get().extracting(ModelPublished::version).isEqualTo(1);
        assertThat(rolledBack.resolve("m", 3)).isPresent();
        assertThat(rolledBack.eventsApplied()).isEqualTo(5);
        // the earlier state is untouched
        assertThat(s.resolve("m", "champion")).get().extracting(ModelPublished::version).isEqualTo(2);
    }

    @Test
    void selectorsResolveAliasesAndPins() {
        RegistryState s = RegistryState.empty().apply(version("m", 1, "champion")).apply(version("m", 2, null));
        assertThat(ModelSelector.parse("champion").resolve(s, "m")).get().extracting(ModelPublished::version).isEqualTo(1);
        assertThat(ModelSelector.parse("version:2").resolve(s, "m")).get().extracting(ModelPublished::version).isEqualTo(2);
        assertThat(ModelSelector.parse("2").resolve(s, "m")).get().extracting(ModelPublished::version).isEqualTo(2);
        assertThat(ModelSelector.parse("alias:nope").resolve(s, "m")).isEmpty();
    }
}
