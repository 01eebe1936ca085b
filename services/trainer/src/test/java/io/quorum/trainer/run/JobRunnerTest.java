package io.quorum.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.model.FileSystemModelStore;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobCatalog;
import io.quorum.training.api.JobContext;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.api.TrainingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner without Kafka: a job kind whose behaviour each test scripts, an in-memory registry, a file store, and a
 * hook between dequeue and start that makes the cancel race deterministic.
 */
class JobRunnerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final byte[] ONNX = tinyModel();

    /** What the scripted job does when it runs. */
    @FunctionalInterface
    interface Script {
        TrainedModel run(JobContext ctx) throws Exception;
    }

    /** Records every event; counts terminal ones per job. */
    static final class RecordingSink implements ProgressSink {
        final List<TrainingProgress> events = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void emit(TrainingProgress p) {
            events.add(p);
        }

        List<TrainingProgress> of(String jobId) {
            synchronized (events) {
                return events.stream().filter(e -> e.jobId().equals(jobId)).toList();
            }
        }

        List<TrainingProgress> terminal(String jobId) {
            return of(jobId).stream().filter(e -> e.state().terminal()).toList();
        }
    }

    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> starts = new ConcurrentHashMap<>();
    private final RecordingSink sink = new RecordingSink();
    private final InMemoryRegistry registry = new InMemoryRegistry();
    private FileSystemModelStore store;
    private Path data;
    private Path root;
    private JobRunner runner;

    /** The scripted job kind: runs the script registered under the job id. */
    private final class ScriptedJob implements TrainingJob {
        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public String description() {
            return "runs the test's script";
        }

        @Override
        public Map<String, String> parameters() {
            return Map.of("data", "- a file");
        }

        @Override
        public Gate gate(JobParams params) {
            return new Gate(List.of());
        }

        @Override
        public TrainedModel run(JobContext ctx) throws JobFailedException {
            starts.computeIfAbsent(ctx.jobId(), k -> new AtomicInteger()).incrementAndGet();
            try {
                return scripts.getOrDefault(ctx.jobId(), c -> model("scripted-model")).run(ctx);
            } catch (JobFailedException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new JobFailedException("script failed: " + e, e);
            }
        }
    }

    @BeforeEach
    void start(@TempDir Path dir) throws Exception {
        root = dir;
        store = new FileSystemModelStore(dir.resolve("store"));
        data = Files.createDirectories(dir.resolve("data"));
        runner = runner(4);
    }

    private JobRunner runner(int capacity) {
        return new JobRunner(new JobCatalog(List.of(new ScriptedJob())), store, registry, sink,
                new JobRunner.Settings(root.resolve("work"), data, "test", capacity, 1e-4), new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        runner.close();
    }

    private static TrainingRequested request(String id) {
        return request(id, Map.of());
    }

    private static TrainingRequested request(String id, Map<String, String> params) {
        return new TrainingRequested(TrainingRequested.SCHEMA_VERSION, id, "scripted", params, 1, "test", 0);
    }

    private TrainingProgress.State state(String id) {
        return runner.status(id).map(JobStatus::state).orElse(null);
    }

    private void awaitTerminal(String id) {
        await().atMost(WAIT).until(() -> state(id) != null && state(id).terminal());
    }

    private int started(String id) {
        return starts.getOrDefault(id, new AtomicInteger()).get();
    }

    /** Blocks the worker after it dequeues {@code id}, until {@code release} opens. */
    private static JobRunner.BeforeStart holdAfterDequeue(String id, CountDownLatch dequeued, CountDownLatch release) {
        return jobId -> {
            if (jobId.equals(id)) {
                dequeued.countDown();
                release.await(30, TimeUnit.SECONDS);
            }
        };
    }

    // ---- cancellation: every path ends in exactly one terminal event ----

    @Test
    void aJobCancelledBetweenDequeueAndStartEndsCancelledWithOneTerminalEvent() throws Exception {
        CountDownLatch dequeued = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        runner.beforeStart(holdAfterDequeue("race", dequeued, release));

        assertThat(runner.submit(request("race")).outcome()).isEqualTo(JobRunner.Outcome.QUEUED);
        assertThat(dequeued.await(20, TimeUnit.SECONDS)).isTrue();
        // off the queue, not started: the cancel cannot take it out of the queue any more
        assertThat(state("race")).isEqualTo(TrainingProgress.State.QUEUED);
        assertThat(runner.cancel("race")).isEqualTo(JobRunner.CancelOutcome.CANCELLING);
        release.countDown();

        awaitTerminal("race");
        assertThat(state("race")).isEqualTo(TrainingProgress.State.CANCELLED);
        assertThat(runner.status("race").orElseThrow().finishedAt()).isNotNull();
        assertThat(sink.terminal("race")).singleElement().satisfies(p -> {
            assertThat(p.state()).isEqualTo(TrainingProgress.State.CANCELLED);
            assertThat(p.message()).contains("before it started");
        });
        assertThat(sink.of("race")).extracting(TrainingProgress::state)
                .containsExactly(TrainingProgress.State.QUEUED, TrainingProgress.State.CANCELLED);
        assertThat(started("race")).as("never started").isZero();
    }

    @Test
    void aQueuedJobIsCancelledAtOnce() throws Exception {
        CountDownLatch dequeued = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        runner.beforeStart(holdAfterDequeue("blocker", dequeued, release));
        runner.submit(request("blocker"));
        assertThat(dequeued.await(20, TimeUnit.SECONDS)).isTrue();
        runner.submit(request("waiting"));

        assertThat(runner.cancel("waiting")).isEqualTo(JobRunner.CancelOutcome.CANCELLED);
        assertThat(state("waiting")).isEqualTo(TrainingProgress.State.CANCELLED);
        assertThat(sink.terminal("waiting")).singleElement().extracting(TrainingProgress::state)
                .isEqualTo(TrainingProgress.State.CANCELLED);
        // cancelling again changes nothing
        assertThat(runner.cancel("waiting")).isEqualTo(JobRunner.CancelOutcome.FINISHED);

        release.countDown();
        awaitTerminal("blocker");
        assertThat(state("blocker")).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(started("waiting")).isZero();
        assertThat(sink.terminal("waiting")).hasSize(1);
    }

    @Test
    void aRunningJobIsCancelledAtItsNextCheck() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        scripts.put("long", ctx -> {
            running.countDown();
            goOn.await(30, TimeUnit.SECONDS);
            ctx.progress(1, 10, 1, 0.5, 0, -1, Map.of(), "epoch 1");
            throw new AssertionError("a cancelled job must not get past its progress report");
        });
        runner.submit(request("long"));
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(state("long")).isEqualTo(TrainingProgress.State.RUNNING);

        assertThat(runner.cancel("long")).isEqualTo(JobRunner.CancelOutcome.CANCELLING);
        goOn.countDown();
        awaitTerminal("long");
        assertThat(state("long")).isEqualTo(TrainingProgress.State.CANCELLED);
        assertThat(sink.terminal("long")).singleElement().extracting(TrainingProgress::state)
                .isEqualTo(TrainingProgress.State.CANCELLED);
        assertThat(registry.events()).as("nothing published").isEmpty();
    }

    @Test
    void aFinishedJobIsNotCancelledAndAnUnknownOneIsSaidToBeUnknown() {
        runner.submit(request("done"));
        awaitTerminal("done");
        assertThat(state("done")).isEqualTo(TrainingProgress.State.PUBLISHED);

        assertThat(runner.cancel("done")).isEqualTo(JobRunner.CancelOutcome.FINISHED);
        assertThat(state("done")).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(sink.terminal("done")).singleElement().extracting(TrainingProgress::state)
                .isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(runner.cancel("no-such-job")).isEqualTo(JobRunner.CancelOutcome.UNKNOWN);
    }

    @Test
    void aJobThatFailsUnexpectedlyEndsFailedOnceAndTheWorkerGoesOn() {
        scripts.put("broken", ctx -> {
            throw new IllegalStateException("boom");
        });
        runner.submit(request("broken"));
        runner.submit(request("after"));
        awaitTerminal("broken");
        awaitTerminal("after");
        assertThat(sink.terminal("broken")).singleElement().satisfies(p -> {
            assertThat(p.state()).isEqualTo(TrainingProgress.State.FAILED);
            assertThat(p.message()).contains("boom");
        });
        assertThat(state("after")).isEqualTo(TrainingProgress.State.PUBLISHED);
    }

    @Test
    void stoppingTheRunnerEndsTheRunningAndTheQueuedJobsCancelled() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        scripts.put("running", ctx -> {
            running.countDown();
            while (true) {
                ctx.progress(1, 1, 1, 0.1, 0, -1, Map.of(), "spinning");
                Thread.onSpinWait();
            }
        });
        runner.submit(request("running"));
        assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();
        runner.submit(request("queued"));
        runner.close();
        for (String id : List.of("running", "queued")) {
            assertThat(state(id)).as(id).isEqualTo(TrainingProgress.State.CANCELLED);
            assertThat(sink.terminal(id)).as(id).hasSize(1);
        }
    }

    // ---- publication: a model and its companions, all or nothing ----

    @Test
    void aModelAndItsCompanionsAreAnnouncedTogetherInOneTransaction() {
        scripts.put("set", ctx -> withCompanions(model("pair-head"), model("encoder"), model("aligner")));
        runner.submit(request("set"));
        awaitTerminal("set");

        TrainingProgress done = sink.terminal("set").get(0);
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(done.model()).isEqualTo("pair-head");
        assertThat(registry.transactions()).isEqualTo(1);
        assertThat(registry.events()).extracting(e -> ((ModelPublished) e).name())
                .containsExactly("encoder", "aligner", "pair-head");
        RegistryState s = registry.snapshot(WAIT);
        for (String name : List.of("encoder", "aligner", "pair-head")) {
            assertThat(s.resolve(name, RegistryState.ALIAS_CHAMPION)).as(name).isPresent();
        }
    }

    @Test
    void aFailedAnnouncementLeavesNoModelOfTheSetVisible() throws Exception {
        scripts.put("half", ctx -> withCompanions(model("pair-head"), model("encoder")));
        registry.failTransactions(1);
        runner.submit(request("half"));
        awaitTerminal("half");

        TrainingProgress failed = sink.terminal("half").get(0);
        assertThat(failed.state()).isEqualTo(TrainingProgress.State.FAILED);
        assertThat(failed.message()).contains("encoder v1", "pair-head v1", "none of them is visible");
        assertThat(registry.events()).as("no event of the set").isEmpty();
        RegistryState s = registry.snapshot(WAIT);
        assertThat(s.model("encoder")).isEmpty();
        assertThat(s.model("pair-head")).isEmpty();
        // the artifacts were stored first: they stay, unannounced, where no service looks
        assertThat(store.versions("encoder")).containsExactly(1);
        assertThat(store.versions("pair-head")).containsExactly(1);

        // the next run publishes the whole set, with new versions; the unannounced ones never appear
        scripts.put("again", ctx -> withCompanions(model("pair-head"), model("encoder")));
        runner.submit(request("again"));
        awaitTerminal("again");
        assertThat(state("again")).isEqualTo(TrainingProgress.State.PUBLISHED);
        s = registry.snapshot(WAIT);
        assertThat(s.resolve("encoder", RegistryState.ALIAS_CHAMPION).orElseThrow().version()).isEqualTo(2);
        assertThat(s.resolve("pair-head", RegistryState.ALIAS_CHAMPION).orElseThrow().version()).isEqualTo(2);
        assertThat(s.model("encoder").orElseThrow().version(1)).isEmpty();
    }

    // ---- submission: data confinement, unknown jobs, duplicates, a full queue ----

    @Test
    void dataOutsideTheDataDirectoryIsRefusedBeforeAnyTraining() throws Exception {
        Path outside = Files.writeString(root.resolve("secret.txt"), "not training data");
        Files.writeString(data.resolve("pairs.tsv"), "a\tb\t1\n");
        Files.createSymbolicLink(data.resolve("link.tsv"), outside);

        for (String bad : List.of(outside.toString(), "../secret.txt", "sub/../../secret.txt", "link.tsv")) {
            String id = "bad-" + Integer.toHexString(bad.hashCode());
            JobRunner.Submission s = runner.submit(request(id, Map.of("data", bad)));
            assertThat(s.outcome()).as(bad).isEqualTo(JobRunner.Outcome.REFUSED);
            assertThat(s.status().state()).isEqualTo(TrainingProgress.State.FAILED);
            assertThat(sink.terminal(id)).as(bad).singleElement().satisfies(p ->
                    assertThat(p.message()).contains(bad, "outside the data directory"));
            assertThat(started(id)).isZero();
        }
        // over HTTP the refusal is answered directly and not recorded
        JobRunner.Submission direct = runner.trySubmit(request("direct", Map.of("data", "../secret.txt")));
        assertThat(direct.outcome()).isEqualTo(JobRunner.Outcome.REFUSED);
        assertThat(direct.status()).isNull();
        assertThat(runner.status("direct")).isEmpty();
        assertThat(sink.of("direct")).isEmpty();

        // inside the data directory, relative or absolute, and the keywords, are accepted
        for (String ok : List.of("pairs.tsv", data.resolve("pairs.tsv").toString(), "generated", "labeled")) {
            String id = "ok-" + Integer.toHexString(ok.hashCode());
            assertThat(runner.submit(request(id, Map.of("data", ok))).outcome()).as(ok).isEqualTo(JobRunner.Outcome.QUEUED);
            awaitTerminal(id);
            assertThat(state(id)).as(ok).isEqualTo(TrainingProgress.State.PUBLISHED);
        }
    }

    @Test
    void unknownJobsDuplicatesAndAFullQueue() throws Exception {
        runner.close();
        runner = runner(1);
        JobRunner.Submission unknown = runner.submit(new TrainingRequested(1, "u1", "no-such-job", Map.of(), 0, "t", 0));
        assertThat(unknown.outcome()).isEqualTo(JobRunner.Outcome.UNKNOWN_JOB);
        assertThat(unknown.reason()).contains("unknown job 'no-such-job'", "scripted");
        assertThat(sink.terminal("u1")).hasSize(1);
        assertThat(runner.trySubmit(new TrainingRequested(1, "u2", "no-such-job", Map.of(), 0, "t", 0)).status()).isNull();

        CountDownLatch dequeued = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        runner.beforeStart(holdAfterDequeue("first", dequeued, release));
        runner.submit(request("first"));
        assertThat(dequeued.await(20, TimeUnit.SECONDS)).isTrue();
        assertThat(runner.submit(request("second")).outcome()).isEqualTo(JobRunner.Outcome.QUEUED);

        // duplicate: the existing job, nothing new
        JobRunner.Submission dup = runner.submit(request("second"));
        assertThat(dup.outcome()).isEqualTo(JobRunner.Outcome.DUPLICATE);
        assertThat(dup.status().state()).isEqualTo(TrainingProgress.State.QUEUED);
        assertThat(sink.of("second")).hasSize(1);

        // full: not recorded when the caller is answered directly (it may retry with the same id)...
        JobRunner.Submission full = runner.trySubmit(request("third"));
        assertThat(full.outcome()).isEqualTo(JobRunner.Outcome.QUEUE_FULL);
        assertThat(runner.status("third")).isEmpty();
        assertThat(sink.of("third")).isEmpty();
        // ...recorded as FAILED with the reason for a Kafka request
        JobRunner.Submission fullKafka = runner.submit(request("fourth"));
        assertThat(fullKafka.outcome()).isEqualTo(JobRunner.Outcome.QUEUE_FULL);
        assertThat(sink.terminal("fourth")).singleElement().satisfies(p -> assertThat(p.message()).contains("queue is full"));

        release.countDown();
        awaitTerminal("second");
        assertThat(runner.trySubmit(request("third")).outcome()).isEqualTo(JobRunner.Outcome.QUEUED);
        awaitTerminal("third");
        assertThat(state("third")).isEqualTo(TrainingProgress.State.PUBLISHED);
    }

    // ---- helpers ----

    private static TrainedModel withCompanions(TrainedModel main, TrainedModel... companions) {
        return new TrainedModel(main.modelName(), null, main.onnx(), null, main.parity(), main.metrics(), main.properties(),
                main.hyperParameters(), main.dataRef(), main.dataHash(), main.extraArtifacts(), main.notes(), List.of(companions));
    }

    private static TrainedModel model(String name) {
        return new TrainedModel(name, null, ONNX, null, 0.0, Map.of("accuracy", 0.9), Map.of(), Map.of("epochs", "1"),
                "generated", "0".repeat(64), Map.of(), List.of());
    }

    private static byte[] tinyModel() {
        OnnxGraph g = OnnxGraph.create("tiny");
        String x = g.input("x", 2);
        g.output(g.sigmoid(g.reduceSum(x, true, 1)), "y", -1, 1);
        return g.toBytes();
    }
}
