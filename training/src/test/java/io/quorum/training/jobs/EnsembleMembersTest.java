package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The member cache: complete members are found, incomplete ones (a crash while storing) are replaced. */
class EnsembleMembersTest {

    @TempDir
    Path cache;

    private Path staged(String content) throws Exception {
        Path s = Files.createTempDirectory(Files.createDirectories(cache.resolve("staging")), "member-");
        for (String f : new String[] {EnsembleMembers.MODEL, EnsembleMembers.GRADIENT, EnsembleMembers.NETWORK,
                EnsembleMembers.CARD}) {
            Files.writeString(s.resolve(f), content);
        }
        return s;
    }

    @Test
    void aStoredMemberIsFoundAndAnIncompleteOneIsReplaced() throws Exception {
        String key = EnsembleMembers.key(Map.of("seed", "1", "rows", "all"));
        assertThat(key).isEqualTo(EnsembleMembers.key(Map.of("rows", "all", "seed", "1"))).hasSize(32)
                .isNotEqualTo(EnsembleMembers.key(Map.of("seed", "2", "rows", "all")));
        assertThat(EnsembleMembers.cached(cache, key)).isNull();
        Files.createDirectories(cache.resolve(key));
        Files.writeString(cache.resolve(key).resolve(EnsembleMembers.MODEL), "half");
        assertThat(EnsembleMembers.cached(cache, key)).as("incomplete").isNull();

        Path stored = EnsembleMembers.store(cache, key, staged("whole"));
        assertThat(EnsembleMembers.cached(cache, key)).isEqualTo(stored);
        assertThat(Files.readString(stored.resolve(EnsembleMembers.MODEL))).isEqualTo("whole");
        // a second job storing the same member keeps the first
        EnsembleMembers.store(cache, key, staged("again"));
        assertThat(Files.readString(stored.resolve(EnsembleMembers.MODEL))).isEqualTo("whole");
        assertThat(EnsembleMembers.cached(null, key)).isNull();
    }
}
