package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.testing.TestDigitModels;
import io.quorum.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Models loaded on demand: bounded waits, refusals, eviction and hot swap, on real ONNX models and a real store. */
class TargetModelsTest {

    @org.junit.jupiter.api.io.TempDir
    Path dir;

    static TestDigitModels.Mlp model(long seed) {
        return TestDigitModels.random(784, 16, 10, seed);
    }

    @Test
    void loadsAModelTheFirstTimeARequestNamesIt() throws Exception {
        LocalRegistry registry = new LocalRegistry(dir);
        ModelPublished v1 = registry.publish("digits", model(1), "champion", true);
        try (TargetModels models = registry.models(4, Duration.ofSeconds(30), Duration.ofMillis(200))) {
            try (ModelManager.Lease<AttackModel> lease = models.acquire(ModelRef.of("digits", "champion"))) {
                assertThat(lease.version()).isEqualTo(v1.version());
                assertThat(lease.model().whiteBox()).isTrue();
                assertThat(lease.model().height()).isEqualTo(28);
                assertThat(lease.model().classes()).isEqualTo(10);
            }
            assertThat(registry.registered).hasSize(1);
            // the same reference again: the same manager, no new load
            models.acquire(ModelRef.of("digits", "alias:champion")).close();
            assertThat(registry.registered).hasSize(1);
        }
        assertThat(registry.registered).as("closed managers are unregistered").isEmpty();
    }

    @Test
    void anUnknownModelFailsAfterTheShortWaitAndAModelPublishedMeanwhileIsServed() throws Exception {
        LocalRegistry registry = new LocalRegistry(dir);
        try (TargetModels models = registry.models(4, Duration.ofSeconds(30), Duration.ofMillis(300))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> models.acquire(ModelRef.of("nothing", "champion")))
                    .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                        assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_MODEL);
                        assertThat(e.getMessage()).contains("no version of nothing (alias:champion)");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(10));

            CompletableFuture<Integer> waiting = CompletableFuture.supplyAsync(() -> {
                try (ModelManager.Lease<AttackModel> l = models.acquire(ModelRef.of("late", "champion"))) {
                    return l.version();
                } catch (InvalidEventException e) {
                    throw new IllegalStateException(e);
                }
            });
            ModelPublished late = registry.publish("late", model(2), "champion", true);
            assertThat(waiting.get()).isEqualTo(late.version());
        }
    }

    @Test
    void waitsForTheRegistryWhileItIsBeingRead() {
        LocalRegistry registry = new LocalRegistry(dir);
        registry.caughtUp = false;
        try (TargetModels models = registry.models(4, Duration.ofMillis(400), Duration.ofMillis(50))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> models.acquire(ModelRef.of("nothing", "champion")))
                    .isInstanceOfSatisfying(InvalidEventException.class,
                            e -> assertThat(e.getMessage()).contains("registry was not read"));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    void aVersionRefusedByItsChecksFailsAtOnceWithTheReason() throws Exception {
        LocalRegistry registry = new LocalRegistry(dir);
        ModelPublished bad;
        try (TempDir tmp = TempDir.create("bad-")) {
            Path file = TestModels.pairScorer(8, 4, 1, 0.5).write(tmp.resolve("model.onnx"));
            bad = new ModelPublisher(registry.store, null).store(new ModelPublisher.Request("not-a-classifier", file, null,
                    Map.of(), new Lineage(null, "t", "t", null, "t", 0L), Map.of(), "champion"));
        }
        registry.announce(bad);
        try (TargetModels models = registry.models(4, Duration.ofSeconds(30), Duration.ofSeconds(30))) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> models.acquire(ModelRef.of("not-a-classifier", "champion")))
                    .isInstanceOfSatisfying(InvalidEventException.class, e -> {
                        assertThat(e.reason()).isEqualTo(RejectReason.UNKNOWN_MODEL);
                        assertThat(e.getMessage()).contains("refused").contains("contract");
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        }
    }

    @Test
    void theLeastRecentlyUsedModelIsUnloadedBeyondTheCacheSizeWhileItsLeasesStillWork() throws Exception {
        LocalRegistry registry = new LocalRegistry(dir);
        registry.publish("a", model(1), "champion", true);
        registry.publish("b", model(2), "champion", true);
        registry.publish("c", model(3), "champion", true);
        try (TargetModels models = registry.models(2, Duration.ofSeconds(30), Duration.ofMillis(200))) {
            ModelManager.Lease<AttackModel> a = models.acquire(ModelRef.of("a", "champion"));
            models.acquire(ModelRef.of("b", "champion")).close();
            models.acquire(ModelRef.of("a", "champion")).close(); // a is now the most recently used
            models.acquire(ModelRef.of("c", "champion")).close();
            assertThat(models.loaded()).extracting(ModelRef::name).containsExactly("a", "c");
            assertThat(registry.registered).extracting(ModelManager::name).containsExactlyInAnyOrder("a", "c");
            models.acquire(ModelRef.of("b", "champion")).close();
            assertThat(models.loaded()).extracting(ModelRef::name).containsExactly("c", "b");
            // a was unloaded while this lease was held: its model keeps working until the lease is closed
            float[][] p = a.model().classifier().probabilities(new float[1][784]);
            assertThat(p[0]).hasSize(10);
            a.close();
        }
    }

    @Test
    void aFollowedAliasThatMovesIsHotSwappedAndAPinnedVersionStays() throws Exception {
        LocalRegistry registry = new LocalRegistry(dir);
        ModelPublished v1 = registry.publish("digits", model(1), "champion", true);
        try (TargetModels models = registry.models(4, Duration.ofSeconds(30), Duration.ofMillis(200))) {
            ModelRef champion = ModelRef.of("digits", "champion");
            ModelManager.Lease<AttackModel> held = models.acquire(champion);
            assertThat(held.version()).isEqualTo(v1.version());
            ModelPublished v2 = registry.publish("digits", model(2), "champion", true);
            await().atMost(Duration.ofSeconds(30)).until(() -> models.manager(champion).servingVersion() == v2.version());
            try (ModelManager.Lease<AttackModel> now = models.acquire(champion)) {
                assertThat(now.version()).isEqualTo(v2.version());
            }
            assertThat(held.model().classifier().probabilities(new float[1][784])[0]).as("the old lease still works")
                    .hasSize(10);
            held.close();
            try (ModelManager.Lease<AttackModel> pinned = models.acquire(ModelRef.of("digits", "version:" + v1.version()))) {
                assertThat(pinned.version()).isEqualTo(v1.version());
            }
            assertThat(models.loaded()).hasSize(2);
        }
        assertThat(List.copyOf(registry.registered)).isEmpty();
    }
}
