package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transient fetch failures are retried with backoff; a wrong SHA-256 is refused at once, after one attempt. */
class ArtifactFetcherTest {

    private static final FetchRetry QUICK = new FetchRetry(Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofSeconds(5));

    @TempDir
    Path dir;
    FlakyStore store;
    ModelPublished v1;

    @BeforeEach
    void store() throws Exception {
        store = new FlakyStore(new FileSystemModelStore(dir.resolve("store")));
        ModelStore.StoredVersion stored = store.put("m", List.of(new ModelStore.Artifact("model.onnx",
                Files.writeString(dir.resolve("src"), "bytes of v1"))));
        ArtifactRef a = stored.artifact("model.onnx");
        v1 = new ModelPublished(1, "m", 1, "champion", a.uri(), a.sha256(), a.sizeBytes(), List.of(a),
                new ModelSignature(List.of(TensorSpec.float32("x", -1, 1)), List.of()), null, null, null, 0);
    }

    @Test
    void transientFailuresAreRetriedUntilTheFileArrives() throws Exception {
        store.failing(1, 3);
        Path got = ArtifactFetcher.fetch(v1, List.of(store), dir.resolve("cache"), QUICK);
        assertThat(Files.readString(got.resolve("model.onnx"))).isEqualTo("bytes of v1");
        assertThat(store.attempts(1)).isEqualTo(4);
    }

    @Test
    void aSingleAttemptReportsAnIoErrorOrAMissingFileAsTransient() {
        store.failing(1, 1);
        assertThatThrownBy(() -> ArtifactFetcher.fetchOnce(v1, List.of(store), dir.resolve("cache")))
                .isInstanceOfSatisfying(ModelRejectedException.class, e -> {
                    assertThat(e.isTransient()).isTrue();
                    assertThat(e.check()).isEqualTo("fetch");
                });
    }

    @Test
    void aWrongSha256IsRefusedAtOnceAfterOneAttempt() {
        store.corrupt(1);
        assertThatThrownBy(() -> ArtifactFetcher.fetch(v1, List.of(store), dir.resolve("cache"), QUICK))
                .isInstanceOfSatisfying(ModelRejectedException.class, e -> {
                    assertThat(e.isTransient()).isFalse();
                    assertThat(e.check()).isEqualTo("sha256");
                    assertThat(e.getMessage()).contains("sha256 mismatch");
                });
        assertThat(store.attempts(1)).isEqualTo(1);
        assertThat(dir.resolve("cache/model.onnx")).doesNotExist();
    }

    @Test
    void aFailureThatOutlastsTheRetriesIsThrown() {
        store.failing(1, Integer.MAX_VALUE);
        FetchRetry bounded = new FetchRetry(Duration.ofMillis(2), Duration.ofMillis(8), Duration.ofMillis(60));
        assertThatThrownBy(() -> ArtifactFetcher.fetch(v1, List.of(store), dir.resolve("cache"), bounded))
                .isInstanceOfSatisfying(ModelRejectedException.class, e -> assertThat(e.isTransient()).isTrue());
        assertThat(store.attempts(1)).isBetween(3, 60);
    }

    @Test
    void backoffDoublesUpToTheMaximumAndStopsAtTheBound() {
        FetchRetry r = new FetchRetry(Duration.ofMillis(500), Duration.ofSeconds(15), Duration.ofSeconds(60));
        assertThat(List.of(r.delay(1), r.delay(2), r.delay(3), r.delay(6), r.delay(7), r.delay(30))).containsExactly(
                Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(15),
                Duration.ofSeconds(15), Duration.ofSeconds(15));
        assertThat(r.retryAllowed(1, Duration.ZERO)).isTrue();
        assertThat(r.retryAllowed(7, Duration.ofSeconds(45))).isTrue(); // 45 + 15 = 60
        assertThat(r.retryAllowed(8, Duration.ofSeconds(50))).isFalse();
        assertThat(FetchRetry.none().retryAllowed(1, Duration.ZERO)).isFalse();
    }
}
