package io.quorum.trainer.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestData;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import io.quorum.text.EmbedderPublishing;
import io.quorum.text.Embedders;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.text.PairAlignment;
import io.quorum.training.jobs.DigitClassifierJob;
import io.quorum.training.jobs.MiniLmSiameseJob;
import io.quorum.training.steps.DigitParams;
import io.quorum.vision.model.OnnxClassifier;
import io.quorum.training.steps.PairParams;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The trainer through a real broker: jobs from the topic and HTTP, publication, gates, failures, cancellation. */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class TrainerIT {

    private static final Map<String, String> SMALL = Map.of("n", "800", "dim", "8", "hidden", "16", "epochs", "8");

    private static TrainingRequested request(String job, Map<String, String> params) {
        return new TrainingRequested(TrainingRequested.SCHEMA_VERSION, "it-" + UUID.randomUUID(), job, params, 7, "test",
                System.currentTimeMillis());
    }

    private static TrainingProgress run(TrainingRequested req) {
        try (TopicReader progress = TopicReader.fromNow(Topics.TRAINING_PROGRESS); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.TRAINING_REQUESTED, req.jobId(), Json.toBytes(req));
            List<ConsumerRecord<String, byte[]>> events = progress.await(1, Duration.ofSeconds(180), r -> req.jobId().equals(r.key())
                    && Json.fromBytes(r.value(), TrainingProgress.class).state().terminal());
            return Json.fromBytes(events.get(0).value(), TrainingProgress.class);
        }
    }

    @Test
    void aJobFromTheTopicIsTrainedExportedAndPublished() throws Exception {
        String model = "it-model-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingProgress done = run(request("pair-scorer", with(SMALL, "model", model)));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(done.promoted()).as(done.message()).isTrue();
        assertThat(done.metrics()).containsKeys("accuracy", "logloss", "auc", "f1", "threshold");

        ModelPublished v = TestRegistry.registry().snapshot(Duration.ofSeconds(30)).resolve(model, RegistryState.ALIAS_CHAMPION)
                .orElseThrow();
        assertThat(v.version()).isEqualTo(done.modelVersion());
        assertThat(v.artifacts()).extracting(a -> a.name())
                .contains("model.onnx", "model-dl4j.zip", "model-card.json");
        Path card = Path.of(URI.create(v.artifacts().stream().filter(a -> a.name().equals("model-card.json")).findFirst()
                .orElseThrow().uri()));
        String json = Files.readString(card);
        assertThat(json).contains("\"hyperParameters\"", "\"codeVersion\"", "\"exportParityMaxAbsDiff\"", "generated:n=800");
        assertThat(v.lineage().dataHash()).hasSize(64);
        assertThat(v.properties()).containsKey("quorum.threshold");
    }

    @Test
    void aWorseCandidateIsPublishedButNotPromotedAndRollbackRestores() throws Exception {
        String model = "it-gate-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingProgress good = run(request("pair-scorer", with(with(SMALL, "model", model), "epochs", "6")));
        assertThat(good.promoted()).as(good.message()).isTrue();
        // far noisier data and one epoch: clearly worse on both gate metrics
        TrainingProgress worse = run(request("pair-scorer", Map.of("model", model, "n", "300", "dim", "8", "hidden", "4",
                "epochs", "1", "noise", "3.0")));
        assertThat(worse.state()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(worse.promoted()).isFalse();
        assertThat(worse.message()).contains("not promoted");
        RegistryState s = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        assertThat(s.resolve(model, RegistryState.ALIAS_CHAMPION).orElseThrow().version()).isEqualTo(good.modelVersion());
        assertThat(s.resolve(model, RegistryState.ALIAS_CANDIDATE).orElseThrow().version()).isEqualTo(worse.modelVersion());

        // promote by hand, then roll back
        TestRegistry.registry().moveAlias(model, RegistryState.ALIAS_CHAMPION, worse.modelVersion(), "manual", Duration.ofSeconds(30));
        TestRegistry.registry().moveAlias(model, RegistryState.ALIAS_CHAMPION, good.modelVersion(), "rollback", Duration.ofSeconds(30));
        assertThat(TestRegistry.registry().snapshot(Duration.ofSeconds(30)).resolve(model, RegistryState.ALIAS_CHAMPION)
                .orElseThrow().version()).isEqualTo(good.modelVersion());
    }

    @Test
    void aFineTunedEncoderIsPublishedWithItsHeads() throws Exception {
        RegistryState before = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        if (before.resolve("minilm", RegistryState.ALIAS_CHAMPION).isEmpty()) {
            EmbedderPublishing.publishBundled(Embedders.Bundled.MINILM, TestRegistry.publisher(), RegistryState.ALIAS_CHAMPION);
        }
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String encoder = "it-enc-" + suffix;
        String head = "it-head-" + suffix;
        String aligner = "it-aligner-" + suffix;
        // mechanics, not quality: a tiny slice, one layer, one epoch; the gate bounds are opened accordingly
        Map<String, String> params = Map.of("data", TestData.require("mrpc/msr_paraphrase_train.txt").toString(), "rows", "48",
                "validation", "0.25", "layers", "1", "epochs", "1", "batch", "8", "head", "align", "encoder", encoder,
                "model", head, "aligner", aligner);
        TrainingProgress done = run(request(MiniLmSiameseJob.NAME,
                with(with(params, PairParams.MIN_ACCURACY, "0"), PairParams.MAX_LOGLOSS, "5")));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(done.model()).isEqualTo(aligner);

        RegistryState s = TestRegistry.registry().snapshot(Duration.ofSeconds(30));
        ModelPublished enc = s.resolve(encoder, RegistryState.ALIAS_CHAMPION).orElseThrow();
        ModelPublished h = s.resolve(head, RegistryState.ALIAS_CHAMPION).orElseThrow();
        ModelPublished a = s.resolve(aligner, RegistryState.ALIAS_CHAMPION).orElseThrow();
        assertThat(enc.artifacts()).extracting(x -> x.name()).contains("model.onnx", "tokenizer.json", "model-card.json");
        assertThat(enc.properties()).containsEntry(Embedders.META_KIND, "minilm");
        // both heads name the encoder they were trained with, by name and content hash
        for (ModelPublished m : List.of(h, a)) {
            assertThat(m.properties()).containsEntry("quorum.embedder", encoder)
                    .containsEntry(PairScorerSpec.META_EMBEDDER_SHA256, enc.sha256());
        }
        assertThat(a.properties()).containsEntry(PairAlignerSpec.META_FEATURES, PairAlignment.FEATURE_SET);
        // and the published encoder loads as an embedder, with the base model's token vectors beside its own
        try (TempDir fetched = TempDir.create("it-fetch-")) {
            assertEncoderLoads(enc, io.quorum.shared.model.ArtifactFetcher.fetch(enc, List.of(TestRegistry.store()), fetched.path()));
        }
    }

    private static void assertEncoderLoads(ModelPublished enc, Path dir) throws Exception {
        try (var e = Embedders.load(enc, dir, io.quorum.shared.inference.InferenceOptions.cpu(1))) {
            assertThat(e.embed(List.of("Is this a paraphrase?"))[0]).hasSize(384);
            assertThat(((MiniLmEmbedder) e).tokenVectors(List.of("Is this a paraphrase?")).get(0).pieces()).startsWith("is", "this", "a");
        }
        try (var session = io.quorum.shared.inference.OnnxSession.open(dir.resolve("model.onnx"),
                io.quorum.shared.inference.InferenceOptions.cpu(1))) {
            assertThat(session.signature().output(MiniLmEmbedder.TOKEN_OUTPUT)).isPresent();
        }
    }

    @Test
    void aScorerIsTrainedOnTheServedWordVectorsAndAnotherVectorSourceIsRefused() throws Exception {
        String embedder = "it-w2v-" + UUID.randomUUID().toString().substring(0, 8);
        String model = "it-w2v-scorer-" + UUID.randomUUID().toString().substring(0, 8);
        Path mrpc = TestData.require("mrpc/msr_paraphrase_train.txt");
        List<String> corpus = io.quorum.shared.data.PairFileReader.read(mrpc, io.quorum.shared.data.PairFileReader.Format.MRPC)
                .pairs().stream().limit(60).flatMap(x -> java.util.stream.Stream.of(x.left(), x.right())).toList();
        ModelPublished glove = EmbedderPublishing.publishTfidf(embedder, corpus, io.quorum.text.WordVectors.read(
                        TestData.require("glove-6B-50d-subset/glove.6B.50d.first2445.txt")), "tfidf", "glove", Map.of(), null,
                TestRegistry.publisher(), RegistryState.ALIAS_CHAMPION);
        Map<String, String> params = Map.of("data", mrpc.toString(), "rows", "60", "embedder", embedder, "model", model,
                "epochs", "2", PairParams.MIN_ACCURACY, "0", PairParams.MAX_LOGLOSS, "10");

        // the served embedder holds GloVe vectors: a scorer on self-trained vectors would be served the wrong ones
        TrainingProgress refused = run(request("pair-scorer", with(params, "vectors", "self")));
        assertThat(refused.state()).isEqualTo(TrainingProgress.State.FAILED);
        assertThat(refused.message()).contains("vectors=self asked for", "uses vectors=glove", "train word-vectors");

        TrainingProgress done = run(request("pair-scorer", params));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        ModelPublished scorer = TestRegistry.registry().snapshot(Duration.ofSeconds(30)).resolve(model, done.modelVersion())
                .orElseThrow();
        assertThat(scorer.properties()).containsEntry(PairScorerSpec.META_EMBEDDER, embedder)
                .containsEntry(PairScorerSpec.META_EMBEDDER_VERSION, Integer.toString(glove.version()))
                .containsEntry("dimension", "50");
    }

    @Test
    void wordVectorsDistilledFromMiniLmArePublishedAsAnEmbedder() throws Exception {
        String model = "it-ctx-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingProgress done = run(request("word-vectors", Map.of("data", TestData.require("mrpc/msr_paraphrase_train.txt")
                .toString(), "rows", "40", "vectors", "minilm-context+center", "model", model)));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        // every corpus word has a vector: they come from the corpus itself
        assertThat(done.metrics().get("coverage")).isGreaterThan(0.99);
        ModelPublished m = TestRegistry.registry().snapshot(Duration.ofSeconds(30)).resolve(model, done.modelVersion())
                .orElseThrow();
        // the source with the table mean removed, named as asked: pair-scorer jobs are checked against this name
        assertThat(m.properties()).containsEntry("vectors", "minilm-context+center").containsEntry("dimension", "384");
    }

    @Test
    void aDigitClassifierIsPublishedWithItsGradientGraphAndRobustnessFigures() throws Exception {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
        String model = "it-digits-" + UUID.randomUUID().toString().substring(0, 8);
        // mechanics, not quality: 300 digits, one epoch, small robustness subsets; the accuracy bound is opened
        Map<String, String> params = Map.of("data", "mnist", "rows", "300", "epochs", "1", "batch", "32", "robust-n", "40",
                "robust-steps", "2", "model", model, DigitParams.MIN_ACCURACY, "0");
        TrainingProgress done = run(request(DigitClassifierJob.NAME, params));
        assertThat(done.state()).as(done.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(done.promoted()).as(done.message()).isTrue();
        assertThat(done.metrics()).containsKeys("accuracy", "fgsm_0.3_accuracy", "pgd_0.1_accuracy", "pgd_0.3_accuracy");

        ModelPublished v = TestRegistry.registry().snapshot(Duration.ofSeconds(30)).resolve(model, RegistryState.ALIAS_CHAMPION)
                .orElseThrow();
        assertThat(v.artifacts()).extracting(a -> a.name())
                .contains("model.onnx", DigitClassifierSpec.GRADIENT_ARTIFACT, "model-dl4j.zip", "model-card.json");
        assertThat(v.properties()).containsEntry(DigitClassifierSpec.META_DATASET, "mnist");
        String card = Files.readString(Path.of(URI.create(v.artifacts().stream().filter(a -> a.name().equals("model-card.json"))
                .findFirst().orElseThrow().uri())));
        assertThat(card).contains("\"pgd_0.1_accuracy\"", "pgd_0.1_accuracy", "no champion to compare with");
        // the published version is what the adversarial service will attack: it loads with its gradient graph
        try (TempDir fetched = TempDir.create("it-digits-")) {
            Path dir = io.quorum.shared.model.ArtifactFetcher.fetch(v, List.of(TestRegistry.store()), fetched.path());
            try (OnnxClassifier c = OnnxClassifier.open(dir, io.quorum.shared.inference.InferenceOptions.cpu(1))) {
                assertThat(c.hasGradient()).isTrue();
                assertThat(c.hasFeatures()).isTrue();
            }
        }
    }

    @Test
    void badRequestsFailWithReasonsAndTheTrainerKeepsServing() throws Exception {
        TrainingProgress unknown = run(request("no-such-job", Map.of()));
        assertThat(unknown.state()).isEqualTo(TrainingProgress.State.FAILED);
        assertThat(unknown.message()).contains("unknown job", "pair-scorer");

        TrainingProgress missing = run(request("pair-scorer", Map.of("data", "/no/such/file.tsv")));
        assertThat(missing.state()).isEqualTo(TrainingProgress.State.FAILED);
        assertThat(missing.message()).contains("/no/such/file.tsv");

        TrainingProgress malformed = run(request("pair-scorer", Map.of("epochs", "many")));
        assertThat(malformed.state()).isEqualTo(TrainingProgress.State.FAILED);
        assertThat(malformed.message()).contains("epochs must be an integer");

        TrainingProgress unknownParam = run(request("pair-scorer", Map.of("epoch", "3")));
        assertThat(unknownParam.message()).contains("unknown parameter 'epoch'");

        String model = "it-nan-" + UUID.randomUUID().toString().substring(0, 8);
        TrainingProgress nan = run(request("pair-scorer", with(with(SMALL, "lr", "1e30"), "model", model)));
        assertThat(nan.state()).isEqualTo(TrainingProgress.State.FAILED);
        assertThat(nan.message()).contains("diverged");
        assertThat(TestRegistry.registry().snapshot(Duration.ofSeconds(30)).model(model)).as("nothing published").isEmpty();

        try (TopicReader dlq = TopicReader.fromNow(Topics.dlq(Topics.TRAINING_REQUESTED)); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.TRAINING_REQUESTED, "garbage", "{not json".getBytes(StandardCharsets.UTF_8));
            ConsumerRecord<String, byte[]> dead = dlq.await(1, Duration.ofSeconds(30), r -> "garbage".equals(r.key())).get(0);
            assertThat(TopicReader.header(dead, DeadLetter.HEADER_REASON_CODE)).isEqualTo("MALFORMED_JSON");
        }
        RestAssured.get("/q/health/live").then().statusCode(200);
        // and it still trains
        assertThat(run(request("pair-scorer", SMALL)).state()).isEqualTo(TrainingProgress.State.PUBLISHED);
    }

    /** No API token is configured here: POST and DELETE are open (JobsApiIT covers the token). */
    @Test
    void jobsCanBeStartedFollowedAndCancelledOverHttp() {
        String id = "http-" + UUID.randomUUID();
        RestAssured.given().contentType(ContentType.JSON)
                .body(Map.of("jobId", id, "job", "pair-scorer", "params", Map.of("n", "20000", "dim", "64", "epochs", "500")))
                .post("/jobs").then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                "RUNNING".equals(RestAssured.get("/jobs/" + id).jsonPath().getString("state")));
        RestAssured.delete("/jobs/" + id).then().statusCode(202);
        await().atMost(Duration.ofSeconds(60)).until(() ->
                "CANCELLED".equals(RestAssured.get("/jobs/" + id).jsonPath().getString("state")));
        RestAssured.get("/jobs/kinds").then().statusCode(200);
        RestAssured.given().contentType(ContentType.JSON).body(Map.of("params", Map.of())).post("/jobs").then().statusCode(400);
    }

    private static Map<String, String> with(Map<String, String> base, String k, String v) {
        var m = new java.util.LinkedHashMap<>(base);
        m.put(k, v);
        return m;
    }
}
