package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The swap, refusal and lease mechanics, with a loader that reads text files instead of ONNX models. */
class ModelManagerTest {

    static final class Text implements AutoCloseable {
        final String content;
        final AtomicInteger closed;

        Text(String content, AtomicInteger closed) {
            this.content = content;
            this.closed = closed;
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    private static ModelPublished announce(ModelStore.StoredVersion v, String alias, String shaOverride) {
        ArtifactRef a = v.artifact("model.onnx");
        String sha = shaOverride == null ? a.sha256() : shaOverride;
        return new ModelPublished(1, v.name(), v.version(), alias, a.uri(), sha, a.sizeBytes(),
                List.of(new ArtifactRef(a.name(), a.uri(), sha, a.sizeBytes())),
                new ModelSignature(List.of(TensorSpec.float32("x", -1, 1)), List.of()), null, null, null, 0);
    }

    @Test
    void swapsVerifiedVersionsAndRefusesBadOnes(@TempDir Path dir) throws Exception {
        FileSystemModelStore store = new FileSystemModelStore(dir.resolve("store"));
        AtomicInteger closed = new AtomicInteger();
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ModelLoader<Text> loader = (meta, d) -> {
            String text;
            try {
                text = Files.readString(d.resolve("model.onnx"));
            } catch (java.io.IOException e) {
                throw new ModelRejectedException("load", e.toString());
            }
            if (text.contains("reject")) {
                throw new ModelRejectedException("smoke", "content says reject");
            }
            return new Text(text, closed);
        };
        try (ModelManager<Text> m = new ModelManager<>("m", ModelSelector.champion(), List.of(store), dir.resolve("cache"),
                loader, meters)) {
            ModelStore.StoredVersion v1 = store.put("m", List.of(new ModelStore.Artifact("model.onnx",
                    Files.writeString(dir.resolve("1"), "one"))));
            RegistryState s = RegistryState.empty().apply(announce(v1, "champion", null));
            m.onRegistry(s);
            try (ModelManager.Lease<Text> lease = m.await(Duration.ofSeconds(10))) {
                assertThat(lease.model().content).isEqualTo("one");
                assertThat(lease.version()).isEqualTo(1);

                // v2 swaps in while a lease on v1 is held: v1 is closed only when the lease ends
                ModelStore.StoredVersion v2 = store.put("m", List.of(new ModelStore.Artifact("model.onnx",
                        Files.writeString(dir.resolve("2"), "two"))));
                s = s.apply(announce(v2, "champion", null));
                m.onRegistry(s);
                await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 2);
                assertThat(closed.get()).isZero();
            }
            assertThat(closed.get()).isEqualTo(1);
            assertThat(meters.get("quorum.model.serving.version").gauge().value()).isEqualTo(2.0);

            // a wrong hash and a loader rejection are both refused; v2 keeps serving
            ModelStore.StoredVersion v3 = store.put("m", List.of(new ModelStore.Artifact("model.onnx",
                    Files.writeString(dir.resolve("3"), "three"))));
            s = s.apply(announce(v3, "champion", "f".repeat(64)));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(m, 3) == ModelManager.LoadState.REFUSED);
            ModelStore.StoredVersion v4 = store.put("m", List.of(new ModelStore.Artifact("model.onnx",
                    Files.writeString(dir.resolve("4"), "reject me"))));
            s = s.apply(announce(v4, "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(m, 4) == ModelManager.LoadState.REFUSED);
            assertThat(m.servingVersion()).isEqualTo(2);
            assertThat(m.status().versions()).extracting(ModelManager.VersionStatus::failedCheck)
                    .containsExactly(null, null, "sha256", "smoke");
            assertThat(meters.get("quorum.model.loads").tag("outcome", "refused").counter().count()).isEqualTo(2.0);

            // rollback to v1 through the alias
            s = s.apply(new io.quorum.shared.events.AliasMoved(1, "m", "champion", 1, 4, "rollback", 0));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 1);
        }
    }

    private static ModelManager.LoadState state(ModelManager<?> m, int v) {
        return m.status().versions().stream().filter(x -> x.version() == v).map(ModelManager.VersionStatus::state)
                .findFirst().orElse(null);
    }
}
