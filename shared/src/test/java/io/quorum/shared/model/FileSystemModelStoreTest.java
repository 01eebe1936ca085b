package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.ArtifactRef;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSystemModelStoreTest {

    @Test
    void allocatesMonotonicImmutableContentAddressedVersions(@TempDir Path dir) throws Exception {
        FileSystemModelStore store = new FileSystemModelStore(dir.resolve("store"));
        Path a = Files.writeString(dir.resolve("a"), "first");
        Path b = Files.writeString(dir.resolve("b"), "second");
        ModelStore.StoredVersion v1 = store.put("m", List.of(new ModelStore.Artifact("model.onnx", a)));
        ModelStore.StoredVersion v2 = store.put("m", List.of(new ModelStore.Artifact("model.onnx", b),
                new ModelStore.Artifact("card.json", a)));
        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        ArtifactRef ref = v2.artifact("model.onnx");
        assertThat(ref.sha256()).isEqualTo(Hashing.sha256("second".getBytes(StandardCharsets.UTF_8)));
        Path stored = Path.of(URI.create(ref.uri()));
        assertThat(Files.getPosixFilePermissions(stored)).as("stored files are read-only")
                .doesNotContain(java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        assertThat(store.versions("m")).containsExactly(1, 2);
        assertThat(store.read("m", 2).artifacts()).hasSize(2);

        Path fetched = dir.resolve("cache/model.onnx");
        store.fetch(URI.create(ref.uri()), fetched);
        assertThat(Files.readString(fetched)).isEqualTo("second");
    }

    @Test
    void concurrentPublishersNeverShareAVersion(@TempDir Path dir) throws Exception {
        FileSystemModelStore store = new FileSystemModelStore(dir);
        Path a = Files.writeString(dir.resolve("a.bin"), "x");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            futures.add(pool.submit(() -> store.put("race", List.of(new ModelStore.Artifact("model.onnx", a))).version()));
        }
        List<Integer> versions = new ArrayList<>();
        for (Future<Integer> f : futures) {
            versions.add(f.get());
        }
        pool.shutdown();
        Collections.sort(versions);
        assertThat(versions).containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList());
    }

    @Test
    void incompleteVersionsAreInvisibleAndNamesAreChecked(@TempDir Path dir) throws Exception {
        FileSystemModelStore store = new FileSystemModelStore(dir);
        Files.createDirectories(dir.resolve("m/7"));
        assertThat(store.versions("m")).isEmpty();
        Path a = Files.writeString(dir.resolve("a"), "x");
        assertThat(store.put("m", List.of(new ModelStore.Artifact("model.onnx", a))).version()).isEqualTo(8);
        assertThatThrownBy(() -> store.put("../evil", List.of(new ModelStore.Artifact("model.onnx", a))))
                .hasMessageContaining("invalid model name");
        assertThatThrownBy(() -> store.put("m", List.of(new ModelStore.Artifact("../x", a))))
                .hasMessageContaining("invalid artifact name");
        assertThatThrownBy(() -> store.fetch(URI.create("file:" + dir.resolve("nope")), dir.resolve("t")))
                .hasMessageContaining("not found");
    }
}
