package io.quorum.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelRegistry;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TestRegistry;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobCatalog;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model and its companions on the real test broker: announced in one registry transaction, read back by
 * {@link ModelRegistry#snapshot} all present; and a transaction the broker cannot take leaves none of them visible.
 */
class CompanionPublicationIT {

    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Returns a model with companions named after the job id; {@code huge=true} bloats one companion's properties. */
    private static final class SetJob implements TrainingJob {
        @Override
        public String name() {
            return "set";
        }

        @Override
        public String description() {
            return "a pair head with its encoder and aligner";
        }

        @Override
        public Map<String, String> parameters() {
            return Map.of("suffix", "-", "huge", "false");
        }

        @Override
        public Gate gate(JobParams params) {
            return new Gate(List.of());
        }

        @Override
        public TrainedModel run(JobContext ctx) {
            String suffix = ctx.params().string("suffix", "x");
            boolean huge = ctx.params().string("huge", "false").equals("true");
            // a 2 MB property: larger than a producer request may be, so the transaction cannot commit
            Map<String, String> props = huge ? Map.of("padding", "x".repeat(2 * 1024 * 1024)) : Map.of();
            TrainedModel encoder = model("it-enc-" + suffix, Map.of());
            TrainedModel aligner = model("it-aligner-" + suffix, props);
            TrainedModel head = model("it-head-" + suffix, Map.of());
            return new TrainedModel(head.modelName(), null, head.onnx(), null, 0, head.metrics(), head.properties(),
                    head.hyperParameters(), head.dataRef(), head.dataHash(), Map.of(), List.of(), List.of(encoder, aligner));
        }
    }

    private static TrainedModel model(String name, Map<String, String> properties) {
        OnnxGraph g = OnnxGraph.create(name);
        String x = g.input("x", 2);
        g.output(g.sigmoid(g.reduceSum(x, true, 1)), "y", -1, 1);
        return new TrainedModel(name, null, g.toBytes(), null, 0, Map.of("accuracy", 0.9), properties, Map.of(), "generated",
                "0".repeat(64), Map.of(), List.of());
    }

    private static TrainingProgress run(JobRunner runner, JobRunnerTest.RecordingSink sink, String suffix, boolean huge) {
        String id = "it-set-" + suffix;
        runner.submit(new TrainingRequested(1, id, "set", Map.of("suffix", suffix, "huge", Boolean.toString(huge)), 1, "it", 0));
        await().atMost(WAIT).until(() -> !sink.terminal(id).isEmpty());
        return sink.terminal(id).get(0);
    }

    @Test
    void aCompanionSetIsReadBackAllPresentAndAFailedTransactionShowsNoneOfIt(@TempDir Path dir) throws Exception {
        JobRunnerTest.RecordingSink sink = new JobRunnerTest.RecordingSink();
        try (ModelRegistry registry = new ModelRegistry(TestKafka.clients());
             JobRunner runner = new JobRunner(new JobCatalog(List.of(new SetJob())), TestRegistry.store(), registry, sink,
                     new JobRunner.Settings(dir.resolve("work"), Files.createDirectories(dir.resolve("data")), "it", 4, 1e-4),
                     new SimpleMeterRegistry())) {
            String ok = UUID.randomUUID().toString().substring(0, 8);
            TrainingProgress done = run(runner, sink, ok, false);
            assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
            RegistryState s = registry.snapshot(WAIT);
            for (String name : List.of("it-enc-" + ok, "it-aligner-" + ok, "it-head-" + ok)) {
                assertThat(s.resolve(name, RegistryState.ALIAS_CHAMPION)).as(name).isPresent();
            }
            assertThat(s.resolve("it-head-" + ok, RegistryState.ALIAS_CHAMPION).orElseThrow().version())
                    .isEqualTo(done.modelVersion());

            // the aligner's announcement is too large for the broker: the transaction aborts, the encoder (sent
            // before it in the same transaction) is not visible either
            String bad = UUID.randomUUID().toString().substring(0, 8);
            TrainingProgress failed = run(runner, sink, bad, true);
            assertThat(failed.state()).isEqualTo(TrainingProgress.State.FAILED);
            assertThat(failed.message()).contains("none of them is visible");
            s = registry.snapshot(WAIT);
            for (String name : List.of("it-enc-" + bad, "it-aligner-" + bad, "it-head-" + bad)) {
                assertThat(s.model(name)).as(name).isEmpty();
            }
            // and the registry's transactional producer recovers: the next set is published whole
            String again = UUID.randomUUID().toString().substring(0, 8);
            assertThat(run(runner, sink, again, false).state()).isEqualTo(TrainingProgress.State.PUBLISHED);
            s = registry.snapshot(WAIT);
            assertThat(s.resolve("it-enc-" + again, RegistryState.ALIAS_CHAMPION)).isPresent();
            assertThat(s.resolve("it-head-" + again, RegistryState.ALIAS_CHAMPION)).isPresent();
        }
    }

    @Test
    void publishAllOnTheBrokerIsAllOrNothing(@TempDir Path dir) throws Exception {
        try (ModelRegistry registry = new ModelRegistry(TestKafka.clients())) {
            ModelPublisher publisher = new ModelPublisher(TestRegistry.store(), registry);
            String s = UUID.randomUUID().toString().substring(0, 8);
            ModelPublished small = publisher.store(request(dir, "it-small-" + s, Map.of()));
            ModelPublished large = publisher.store(request(dir, "it-large-" + s, Map.of("padding", "y".repeat(2 * 1024 * 1024))));
            assertThatThrownBy(() -> publisher.announce(List.of(small, large))).hasMessageContaining("none is visible");
            RegistryState state = registry.snapshot(WAIT);
            assertThat(state.model("it-small-" + s)).isEmpty();
            assertThat(state.model("it-large-" + s)).isEmpty();
        }
    }

    private static ModelPublisher.Request request(Path dir, String name, Map<String, String> properties) throws Exception {
        Path onnx = Files.write(Files.createDirectories(dir.resolve(name)).resolve("model.onnx"), model(name, Map.of()).onnx());
        return new ModelPublisher.Request(name, onnx, List.of(), Map.of("accuracy", 0.9), null, properties,
                RegistryState.ALIAS_CHAMPION);
    }
}
