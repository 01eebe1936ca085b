package io.quorum.shared.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.ModelEvent;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.onnx.OnnxGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Store first, announce after: a set is announced in one transaction, and a failed one leaves nothing visible. */
class ModelPublisherTest {

    /** A registry in memory: publishAll appends all or, when told to fail, nothing. */
    static final class MemoryRegistry implements RegistryClient {
        final List<ModelEvent> log = new ArrayList<>();
        final List<Integer> transactionSizes = new ArrayList<>();
        boolean failTransactions;

        @Override
        public RegistryState snapshot(Duration timeout) {
            RegistryState s = RegistryState.empty();
            for (ModelEvent e : log) {
                s = s.apply(e);
            }
            return s;
        }

        @Override
        public void publish(ModelEvent event) {
            log.add(event);
        }

        @Override
        public void publishAll(List<? extends ModelEvent> events) {
            transactionSizes.add(events.size());
            if (failTransactions) {
                throw new IllegalStateException("transaction aborted (test)");
            }
            log.addAll(events);
        }
    }

    private static ModelPublisher.Request request(Path dir, String name) throws Exception {
        OnnxGraph g = OnnxGraph.create(name);
        String x = g.input("x", 2);
        g.output(g.sigmoid(g.reduceSum(x, true, 1)), "y", -1, 1);
        Path onnx = Files.write(Files.createDirectories(dir.resolve("src-" + name)).resolve("model.onnx"), g.toBytes());
        return new ModelPublisher.Request(name, onnx, List.of(), Map.of("accuracy", 0.9), null, Map.of(), RegistryState.ALIAS_CHAMPION);
    }

    @Test
    void storingAnnouncesNothingAndASetIsAnnouncedInOneTransaction(@TempDir Path dir) throws Exception {
        FileSystemModelStore store = new FileSystemModelStore(dir.resolve("store"));
        MemoryRegistry registry = new MemoryRegistry();
        ModelPublisher publisher = new ModelPublisher(store, registry);

        ModelPublished stored = publisher.store(request(dir, "encoder"));
        assertThat(stored.version()).isEqualTo(1);
        assertThat(stored.signature().inputs()).isNotEmpty();
        assertThat(store.versions("encoder")).containsExactly(1);
        assertThat(registry.log).as("stored, not announced").isEmpty();

        List<ModelPublished> set = publisher.publishAll(List.of(request(dir, "encoder"), request(dir, "head")));
        assertThat(set).extracting(ModelPublished::name).containsExactly("encoder", "head");
        assertThat(registry.transactionSizes).containsExactly(2);
        RegistryState s = registry.snapshot(Duration.ZERO);
        assertThat(s.resolve("encoder", RegistryState.ALIAS_CHAMPION).orElseThrow().version()).isEqualTo(2);
        assertThat(s.resolve("head", RegistryState.ALIAS_CHAMPION).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void aFailedAnnouncementLeavesNoEventOfTheSetVisible(@TempDir Path dir) throws Exception {
        FileSystemModelStore store = new FileSystemModelStore(dir.resolve("store"));
        MemoryRegistry registry = new MemoryRegistry();
        registry.failTransactions = true;
        ModelPublisher publisher = new ModelPublisher(store, registry);

        assertThatThrownBy(() -> publisher.publishAll(List.of(request(dir, "encoder"), request(dir, "head"))))
                .hasMessageContaining("transaction aborted");
        assertThat(registry.log).isEmpty();
        assertThat(registry.snapshot(Duration.ZERO).model("encoder")).isEmpty();
        // stored but never announced: invisible to services, which follow the registry
        assertThat(store.versions("encoder")).containsExactly(1);
        assertThat(store.versions("head")).containsExactly(1);
    }

    @Test
    void aSingleModelIsStillPublishedOnItsOwn(@TempDir Path dir) throws Exception {
        MemoryRegistry registry = new MemoryRegistry();
        ModelPublished p = new ModelPublisher(new FileSystemModelStore(dir.resolve("store")), registry)
                .publish(request(dir, "scorer"));
        assertThat(registry.log).containsExactly(p);
        assertThat(registry.transactionSizes).isEmpty();
    }
}
