package io.quorum.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.cli.QuorumCli;
import io.quorum.shared.data.LabeledPair;
import io.quorum.shared.data.PairFileReader;
import io.quorum.shared.events.DuplicatesFound;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairLabeled;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.PairSubmitted;
import io.quorum.shared.events.QuestionPosted;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.ServiceLauncher;
import io.quorum.testing.TestData;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TestModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import io.quorum.text.EmbedderPublishing;
import io.quorum.text.Embedders;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The duplicate-question pipeline as deployed: trainer, embedding and pair-scoring as their own JVMs on one real
 * broker, the MRPC data, MiniLM from the registry. A pair scorer is trained in the test through the trainer; texts
 * sent to {@code quorum.pairs} come back scored on {@code quorum.pairs.scored}; duplicate search finds a planted
 * paraphrase among 1,000 questions; the eval command works in process and through Kafka on an MRPC slice; a pair
 * aligner trained through the trainer then scores the pairs the embedding service sends with alignment features, and
 * the served scores match the in-process ones; labelled pairs trigger a retrain of both pair models; an eval through
 * Kafka whose pairs the services dead-letter stops at the first dead letter with its reason.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineIT {

    static ServiceLauncher trainer;
    static ServiceLauncher embedding;
    static ServiceLauncher scoring;
    static List<LabeledPair> mrpc;
    static Path mrpcFile;
    static int scorerVersion;
    /** Label store and CLI runtime (its model cache holds MiniLM): removed after the class. */
    static TempDir work;

    @BeforeAll
    static void start() throws Exception {
        work = TempDir.create("pipeline-it-");
        mrpcFile = TestData.require("mrpc/msr_paraphrase_train.txt");
        mrpc = PairFileReader.read(mrpcFile, PairFileReader.Format.AUTO).pairs();
        RegistryState state = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        if (state.resolve("minilm", RegistryState.ALIAS_CHAMPION).isEmpty()) {
            EmbedderPublishing.publishBundled(Embedders.Bundled.MINILM, TestRegistry.publisher(), RegistryState.ALIAS_CHAMPION);
        }
        trainer = ServiceLauncher.start("trainer", List.of("-Xmx768m", "-Dorg.bytedeco.javacpp.maxbytes=1g",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=2g"), Map.of("quorum.trainer.data-dir", mrpcFile.getParent().getParent().toString(),
                "quorum.trainer.retrain.after-labels", "40", "quorum.trainer.retrain.store",
                work.resolve("labeled.jsonl").toString(), "quorum.trainer.retrain.params.epochs", "2"));
        embedding = ServiceLauncher.start("embedding", List.of("-Xmx512m"), Map.of("quorum.embedding.extra-embedders", ""));
        scoring = ServiceLauncher.start("pair-scoring", List.of("-Xmx384m"), Map.of());
    }

    @AfterAll
    static void stop() {
        for (ServiceLauncher s : new ServiceLauncher[] {trainer, embedding, scoring}) {
            if (s != null) {
                s.close();
            }
        }
        if (work != null) {
            work.close();
        }
    }

    static TrainingProgress awaitJob(TopicReader progress, java.util.function.Predicate<String> jobId) {
        ConsumerRecord<String, byte[]> done = progress.await(1, Duration.ofSeconds(600), r -> r.key() != null
                && jobId.test(r.key()) && Json.fromBytes(r.value(), TrainingProgress.class).state().terminal()).get(0);
        return Json.fromBytes(done.value(), TrainingProgress.class);
    }

    /** Requests {@code job} through {@code quorum.training.requested} and waits for its terminal progress event. */
    static TrainingProgress train(String job, Map<String, String> params) {
        TrainingRequested req = new TrainingRequested(TrainingRequested.SCHEMA_VERSION, job + "-" + UUID.randomUUID(), job,
                params, 3, "test", 0);
        try (TopicReader progress = TopicReader.fromNow(Topics.TRAINING_PROGRESS); TestProducer p = new TestProducer()) {
            p.sendSync(Topics.TRAINING_REQUESTED, req.jobId(), Json.toBytes(req));
            return awaitJob(progress, req.jobId()::equals);
        }
    }

    @Test
    @Order(1)
    void aScorerTrainedOnMrpcWithMiniLmServesTextPairsEndToEnd() throws Exception {
        TrainingProgress done = train("pair-scorer", Map.of("data", "mrpc/msr_paraphrase_train.txt", "rows", "800",
                "embedder", "minilm", "head", "features", "epochs", "4", "min-accuracy", "0", "max-logloss", "10",
                "max-regression", "10"));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(done.promoted()).isTrue();
        scorerVersion = done.modelVersion();
        ModelPublished scorer = TestRegistry.registry().snapshot(Duration.ofSeconds(30))
                .resolve("pair-scorer", scorerVersion).orElseThrow();
        assertThat(scorer.properties()).containsEntry("quorum.embedder", "minilm").containsKey("quorum.embedder.version");
        await().atMost(Duration.ofSeconds(120)).until(() -> scoring.get("/models").contains("\"version\":" + scorerVersion)
                && scoring.httpStatus("/q/health/ready") == 200 && embedding.httpStatus("/q/health/ready") == 200);

        String prefix = "pipe-" + UUID.randomUUID() + "-";
        try (TopicReader out = TopicReader.fromNow(Topics.PAIRS_SCORED); TestProducer p = new TestProducer()) {
            for (int i = 0; i < 50; i++) {
                LabeledPair lp = mrpc.get(1000 + i);
                p.send(Topics.PAIRS, prefix + i, Json.toBytes(new PairSubmitted(PairSubmitted.SCHEMA_VERSION, prefix + i,
                        lp.leftId(), lp.left(), lp.rightId(), lp.right(), null, System.currentTimeMillis())));
            }
            p.flush();
            List<ConsumerRecord<String, byte[]>> scored = out.await(50, Duration.ofSeconds(120), r -> r.key().startsWith(prefix));
            for (ConsumerRecord<String, byte[]> r : scored) {
                PairScored s = Json.fromBytes(r.value(), PairScored.class);
                assertThat(s.modelVersion()).isEqualTo(scorerVersion);
                assertThat(s.embedder()).isEqualTo("minilm");
                assertThat(s.probability()).isBetween(0.0, 1.0);
                assertThat(s.leftId()).isNotBlank();
            }
        }
    }

    @Test
    @Order(2)
    void duplicateSearchFindsAPlantedParaphraseAmongAThousandQuestions() {
        String run = "dup-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<String> corpus = new ArrayList<>(new LinkedHashSet<>(mrpc.stream().map(LabeledPair::left).toList())).subList(0, 999);
        try (TopicReader found = TopicReader.fromNow(Topics.DUPLICATES_FOUND); TestProducer p = new TestProducer()) {
            for (int i = 0; i < corpus.size(); i++) {
                p.send(Topics.QUESTIONS, run + i, Json.toBytes(QuestionPosted.of(run + i, corpus.get(i))));
            }
            String original = run + "original";
            p.send(Topics.QUESTIONS, original, Json.toBytes(QuestionPosted.of(original,
                    "How can I learn the Java programming language fast?")));
            p.flush();
            // every question is answered once indexed; wait for the corpus before asking the new one
            found.await(1000, Duration.ofSeconds(300), r -> r.key().startsWith(run));
            String asked = run + "asked";
            p.sendSync(Topics.QUESTIONS, asked, Json.toBytes(QuestionPosted.of(asked,
                    "What is the fastest way to learn the Java programming language?")));
            DuplicatesFound answer = Json.fromBytes(found.await(1, Duration.ofSeconds(60), r -> asked.equals(r.key())).get(0).value(),
                    DuplicatesFound.class);
            assertThat(answer.candidates()).isNotEmpty();
            assertThat(answer.candidates().get(0).questionId()).isEqualTo(original);
            assertThat(answer.candidates().get(0).probability()).isGreaterThanOrEqualTo(answer.threshold());
            assertThat(answer.searched()).isGreaterThan(1);
            assertThat(answer.modelVersion()).isEqualTo(scorerVersion);
        }
    }

    @Test
    @Order(5)
    void labelledPairsAreKeptAndTriggerARetrainOfBothPairModels() throws Exception {
        try (TopicReader progress = TopicReader.fromNow(Topics.TRAINING_PROGRESS); TestProducer p = new TestProducer()) {
            for (int i = 0; i < 40; i++) {
                LabeledPair lp = mrpc.get(2000 + i);
                p.send(Topics.PAIRS_LABELED, "label-" + i, Json.toBytes(new PairLabeled(PairLabeled.SCHEMA_VERSION,
                        "label-" + UUID.randomUUID(), lp.leftId(), lp.rightId(), lp.left(), lp.right(), lp.label(), "test", 0)));
            }
            p.flush();
            List<TrainingProgress> retrains = progress.await(2, Duration.ofSeconds(600), r -> r.key() != null
                    && r.key().startsWith("retrain-") && Json.fromBytes(r.value(), TrainingProgress.class).state().terminal())
                    .stream().map(r -> Json.fromBytes(r.value(), TrainingProgress.class)).toList();
            assertThat(retrains).extracting(TrainingProgress::job).containsExactlyInAnyOrder("pair-scorer", "pair-aligner");
            RegistryState registry = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
            for (TrainingProgress retrain : retrains) {
                // trained on the 40 collected labels and published; 40 pairs rarely beat the champion, so the gate decides
                assertThat(retrain.state()).as(retrain.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
                ModelPublished m = registry.resolve(retrain.model(), retrain.modelVersion()).orElseThrow();
                assertThat(m.lineage().dataRef()).as(retrain.job()).contains("40 pairs");
            }
        }
    }

    @Test
    @Order(3)
    void evalCommandScoresAnMrpcSliceInProcessAndThroughKafka() throws Exception {
        JsonNode inProcess = eval(false);
        assertThat(inProcess.get("n").asInt()).isEqualTo(120);
        assertThat(inProcess.get("accuracy").asDouble()).isBetween(0.0, 1.0);
        assertThat(inProcess.get("auc").asDouble()).isGreaterThan(0.5);
        assertThat(inProcess.get("model").asText()).isEqualTo("pair-scorer v" + scorerVersion);
        JsonNode viaKafka = eval(true);
        assertThat(viaKafka.get("n").asInt()).isEqualTo(120);
        assertThat(viaKafka.get("servedModels").has("pair-scorer v" + scorerVersion)).as(viaKafka.toString()).isTrue();
        // the served path and the in-process path agree
        assertThat(viaKafka.get("accuracy").asDouble()).isCloseTo(inProcess.get("accuracy").asDouble(),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(viaKafka.get("logloss").asDouble()).isCloseTo(inProcess.get("logloss").asDouble(),
                org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    @Order(4)
    void aPairAlignerTrainedThroughTheTrainerScoresPairsWithFeatures() throws Exception {
        TrainingProgress done = train("pair-aligner", Map.of("data", "mrpc/msr_paraphrase_train.txt", "rows", "800",
                "min-accuracy", "0", "max-logloss", "10", "max-regression", "10"));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(done.promoted()).isTrue();
        int alignerVersion = done.modelVersion();
        await().atMost(Duration.ofSeconds(120)).until(() -> scoring.get("/models").contains("pair-aligner"));

        // pairs through the embedding service now carry features, and the aligner scores them
        JsonNode viaKafka = eval(true, "pair-aligner");
        assertThat(viaKafka.get("servedModels").has("pair-aligner v" + alignerVersion)).as(viaKafka.toString()).isTrue();
        assertThat(viaKafka.get("servedModels").size()).isEqualTo(1);
        JsonNode inProcess = eval(false, "pair-aligner");
        assertThat(inProcess.get("model").asText()).isEqualTo("pair-aligner v" + alignerVersion);
        assertThat(inProcess.get("auc").asDouble()).isGreaterThan(0.7);
        // the served path and the in-process path agree
        assertThat(viaKafka.get("accuracy").asDouble()).isCloseTo(inProcess.get("accuracy").asDouble(),
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(viaKafka.get("logloss").asDouble()).isCloseTo(inProcess.get("logloss").asDouble(),
                org.assertj.core.data.Offset.offset(1e-4));
    }

    @Test
    @Order(6)
    void evalThroughKafkaStopsAtTheFirstDeadLetterWithItsReason() throws Exception {
        // a scorer on int8 MiniLM vectors: this embedding service does not serve minilm-q (extra-embedders is empty),
        // so it dead-letters every pair; eval must say so at once instead of waiting out its timeout
        RegistryState state = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        if (state.resolve("minilm-q", RegistryState.ALIAS_CHAMPION).isEmpty()) {
            EmbedderPublishing.publishBundled(Embedders.Bundled.MINILM_Q, TestRegistry.publisher(), RegistryState.ALIAS_CHAMPION);
        }
        try (TempDir tmp = TempDir.create("pair-scorer-q-")) {
            Path onnx = TestModels.pairScorer(384, 8, 7, 0.5).write(tmp.resolve("model.onnx"));
            TestRegistry.publisher().publish(new ModelPublisher.Request("pair-scorer-q", onnx, null, Map.of(),
                    new Lineage(null, "test", "generated", null, "test", 0L), Map.of(PairScorerSpec.META_EMBEDDER, "minilm-q"),
                    RegistryState.ALIAS_CHAMPION));
        }
        Cli run = cli(true, "pair-scorer-q", "--timeout", "300");
        assertThat(run.rc()).as(run.out()).isNotZero();
        assertThat(run.err()).contains("was dead-lettered on " + Topics.dlq(Topics.PAIRS)).contains("minilm-q")
                .doesNotContain("pairs came back");
        // the pipeline is undisturbed: the served scorer still answers
        assertThat(eval(true).get("n").asInt()).isEqualTo(120);
    }

    private static JsonNode eval(boolean viaKafka) throws Exception {
        return eval(viaKafka, "pair-scorer");
    }

    private static JsonNode eval(boolean viaKafka, String model) throws Exception {
        Cli run = cli(viaKafka, model);
        assertThat(run.rc()).as(run.out() + run.err()).isZero();
        return Json.mapper().readTree(run.out());
    }

    private record Cli(int rc, String out, String err) {
    }

    /** Runs {@code ./quorum eval pairs} on the first 120 MRPC pairs in this JVM. */
    private static Cli cli(boolean viaKafka, String model, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("eval", "pairs", "--data", mrpcFile.toString(), "--rows", "120", "--model", model,
                "--bootstrap", TestKafka.bootstrapServers(), "--store", TestRegistry.storeRoot().toString(),
                "--runtime", work.resolve("cli").toString()));
        if (viaKafka) {
            args.add("--via-kafka");
        }
        args.addAll(List.of(more));
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            rc = new picocli.CommandLine(new QuorumCli()).execute(args.toArray(String[]::new));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String e = capturedErr.toString(StandardCharsets.UTF_8);
        err.print(e);
        return new Cli(rc, capturedOut.toString(StandardCharsets.UTF_8), e);
    }
}
