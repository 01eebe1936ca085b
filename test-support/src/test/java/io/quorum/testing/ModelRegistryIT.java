package io.quorum.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quorum.shared.events.AliasMoved;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.RegistryState;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The registry on a real broker: publish, snapshot, follow, alias moves. */
class ModelRegistryIT {

    @Test
    void publishSnapshotFollowAndRollback() throws Exception {
        String name = "registry-it-" + System.nanoTime();
        ModelPublished v1 = TestRegistry.publishChampion(name, TestModels.pairScorer(4, 3, 1, 0.5));
        ModelPublished v2 = TestRegistry.publishChampion(name, TestModels.pairScorer(4, 3, 2, 0.5));
        assertThat(v2.version()).isEqualTo(v1.version() + 1);
        assertThat(v1.signature().inputs()).hasSize(2);

        RegistryState snap = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        assertThat(snap.resolve(name, RegistryState.ALIAS_CHAMPION)).contains(v2);

        AtomicReference<RegistryState> followed = new AtomicReference<>();
        try (ModelRegistry reader = new ModelRegistry(TestKafka.clients());
             ModelRegistry.Follower f = reader.follow(followed::set)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> followed.get() != null
                    && followed.get().resolve(name, RegistryState.ALIAS_CHAMPION).map(ModelPublished::version).orElse(0) == v2.version());
            AliasMoved back = TestRegistry.registry().moveAlias(name, RegistryState.ALIAS_CHAMPION, v1.version(),
                    "rollback", Duration.ofSeconds(30));
            assertThat(back.previousVersion()).isEqualTo(v2.version());
            await().atMost(Duration.ofSeconds(30)).until(() -> followed.get().resolve(name, RegistryState.ALIAS_CHAMPION)
                    .map(ModelPublished::version).orElse(0) == v1.version());
            assertThat(f.caughtUp()).isTrue();
        }
    }
}
