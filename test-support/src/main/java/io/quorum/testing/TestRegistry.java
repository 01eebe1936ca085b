package io.quorum.testing;

import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.onnx.OnnxGraph;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The model store and registry of a test JVM: a temporary file store and the registry topic on the test broker. The
 * store and the services' caches beside it are removed when the JVM exits (a store holds several 90 MB MiniLM copies).
 */
public final class TestRegistry {

    private static Path root;
    private static ModelRegistry registry;

    private TestRegistry() {
    }

    public static synchronized Path storeRoot() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("quorum-models-");
                Path store = root;
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    TempDir.deleteRecursively(store);
                    TempDir.deleteRecursively(store.resolveSibling(store.getFileName() + "-cache"));
                }, "quorum-test-store-cleanup"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static Path cacheRoot() {
        return storeRoot().resolveSibling(storeRoot().getFileName() + "-cache");
    }

    public static FileSystemModelStore store() {
        return new FileSystemModelStore(storeRoot());
    }

    public static synchronized ModelRegistry registry() {
        if (registry == null) {
            registry = new ModelRegistry(TestKafka.clients());
        }
        return registry;
    }

    public static ModelPublisher publisher() {
        return new ModelPublisher(store(), registry());
    }

    /** Writes {@code graph} to a temp file and publishes it as a new version of {@code name} with {@code alias}. */
    public static ModelPublished publish(String name, OnnxGraph graph, String alias) {
        try (TempDir tmp = TempDir.create("model-")) {
            Path file = tmp.resolve("model.onnx");
            graph.write(file);
            return publisher().publish(new ModelPublisher.Request(name, file, null, Map.of("test", 1.0),
                    new Lineage(null, "test", "generated", null, "test", 0L), Map.of(), alias));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ModelPublished publishChampion(String name, OnnxGraph graph) {
        return publish(name, graph, RegistryState.ALIAS_CHAMPION);
    }
}
