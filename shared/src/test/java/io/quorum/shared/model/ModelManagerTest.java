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

    private static ModelLoader<Text> textLoader(AtomicInteger closed) {
        return (meta, d) -> {
            try {
                return new Text(Files.readString(d.resolve("model.onnx")), closed);
            } catch (java.io.IOException e) {
                throw new ModelRejectedException("load", e.toString());
            }
        };
    }

    private static ModelStore.StoredVersion put(ModelStore store, Path dir, String content) throws Exception {
        return store.put("m", List.of(new ModelStore.Artifact("model.onnx", Files.writeString(dir.resolve(content), content))));
    }

    @Test
    void aTransientFetchFailureIsRetriedWhileTheLastGoodVersionKeepsServing(@TempDir Path dir) throws Exception {
        FlakyStore store = new FlakyStore(new FileSystemModelStore(dir.resolve("store")));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        // attempts after 50, 100, 200 ms: slow enough to watch the RETRYING state, bounded at 30 s
        FetchRetry retry = new FetchRetry(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(30));
        try (ModelManager<Text> m = new ModelManager<>("m", ModelSelector.champion(), List.of(store), dir.resolve("cache"),
                textLoader(new AtomicInteger()), meters, retry)) {
            RegistryState s = RegistryState.empty().apply(announce(put(store, dir, "one"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 1);

            store.failing(2, Integer.MAX_VALUE); // not there yet, then I/O errors, until the test lets it arrive
            s = s.apply(announce(put(store, dir, "two"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(m, 2) == ModelManager.LoadState.RETRYING
                    && store.attempts(2) >= 3);
            assertThat(m.servingVersion()).isEqualTo(1);
            try (ModelManager.Lease<Text> lease = m.acquire()) {
                assertThat(lease.model().content).as("v1 serves during the retries").isEqualTo("one");
            }
            m.onRegistry(s); // a registry event during the backoff: the retry goes on
            store.failing(2, 0); // the file arrives
            await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 2);
            int attempts = store.attempts(2);
            assertThat(meters.get("quorum.model.fetch.retries").counter().count()).isEqualTo(attempts - 1.0);
            assertThat(meters.get("quorum.model.loads").tag("outcome", "refused").counter().count()).isZero();
        }
    }

    @Test
    void aWrongArtifactIsRefusedAtOnceAfterOneAttempt(@TempDir Path dir) throws Exception {
        FlakyStore store = new FlakyStore(new FileSystemModelStore(dir.resolve("store")));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        try (ModelManager<Text> m = new ModelManager<>("m", ModelSelector.champion(), List.of(store), dir.resolve("cache"),
                textLoader(new AtomicInteger()), meters, FetchRetry.defaults())) {
            RegistryState s = RegistryState.empty().apply(announce(put(store, dir, "one"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 1);

            store.corrupt(2);
            s = s.apply(announce(put(store, dir, "two"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(m, 2) == ModelManager.LoadState.REFUSED);
            assertThat(store.attempts(2)).isEqualTo(1);
            assertThat(m.status().versions().stream().filter(v -> v.version() == 2).findFirst().orElseThrow().failedCheck())
                    .isEqualTo("sha256");
            assertThat(m.servingVersion()).isEqualTo(1);
            assertThat(meters.get("quorum.model.fetch.retries").counter().count()).isZero();
            // the same announcement again is not fetched again
            m.onRegistry(s);
            m.onRegistry(s);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> store.attempts(2) == 1);
        }
    }

    @Test
    void aFailureThatOutlastsTheRetriesIsRefusedAndANewerVersionReplacesOneBeingRetried(@TempDir Path dir) throws Exception {
        FlakyStore store = new FlakyStore(new FileSystemModelStore(dir.resolve("store")));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        FetchRetry bounded = new FetchRetry(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(150));
        try (ModelManager<Text> m = new ModelManager<>("m", ModelSelector.champion(), List.of(store), dir.resolve("cache"),
                textLoader(new AtomicInteger()), meters, bounded)) {
            RegistryState s = RegistryState.empty().apply(announce(put(store, dir, "one"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 1);

            store.failing(2, Integer.MAX_VALUE);
            s = s.apply(announce(put(store, dir, "two"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(m, 2) == ModelManager.LoadState.REFUSED);
            ModelManager.VersionStatus v2 = m.status().versions().stream().filter(v -> v.version() == 2).findFirst().orElseThrow();
            assertThat(v2.failedCheck()).isEqualTo("fetch");
            assertThat(v2.reason()).contains("still failing after");
            assertThat(store.attempts(2)).isGreaterThan(2);
            assertThat(m.servingVersion()).isEqualTo(1);
            assertThat(meters.get("quorum.model.loads").tag("outcome", "refused").counter().count()).isEqualTo(1.0);
        }
        // a version being retried is dropped when the registry selects another
        FetchRetry patient = new FetchRetry(Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMinutes(5));
        try (ModelManager<Text> m = new ModelManager<>("m", ModelSelector.champion(), List.of(store), dir.resolve("cache2"),
                textLoader(new AtomicInteger()), meters, patient)) {
            store.failing(3, Integer.MAX_VALUE);
            RegistryState s = RegistryState.empty().apply(announce(put(store, dir, "three"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> state(m, 3) == ModelManager.LoadState.RETRYING);
            s = s.apply(announce(put(store, dir, "four"), "champion", null));
            m.onRegistry(s);
            await().atMost(Duration.ofSeconds(10)).until(() -> m.servingVersion() == 4);
            assertThat(state(m, 3)).isNull();
            int attempts = store.attempts(3);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> store.attempts(3) == attempts);
        }
    }

    private static ModelManager.LoadState state(ModelManager<?> m, int v) {
        return m.status().versions().stream().filter(x -> x.version() == v).map(ModelManager.VersionStatus::state)
                .findFirst().orElse(null);
    }
}
