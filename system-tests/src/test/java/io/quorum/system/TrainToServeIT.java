package io.quorum.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.onnxruntime.OrtException;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.PairScored;
import io.quorum.shared.events.TrainingProgress;
import io.quorum.shared.events.TrainingRequested;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.ServiceLauncher;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The trainer and pair-scoring services as their own JVMs on one real broker: a job trains a model on generated
 * pairs and publishes it; pair-scoring switches to it and scores with it; a worse candidate is not promoted;
 * rollback restores the previous champion and the service follows.
 */
class TrainToServeIT {

    private static final int DIM = 8;
    /** Its own registry name: other system tests publish MiniLM pair-scorers, whose inputs an 8-d model cannot take. */
    private static final String MODEL = "sys-scorer-" + UUID.randomUUID().toString().substring(0, 8);
    static ServiceLauncher trainer;
    static ServiceLauncher scoring;

    @BeforeAll
    static void start() throws Exception {
        trainer = ServiceLauncher.start("trainer", List.of("-Xmx768m", "-Dorg.bytedeco.javacpp.maxbytes=1g",
                "-Dorg.bytedeco.javacpp.maxphysicalbytes=2g"), Map.of());
        scoring = ServiceLauncher.start("pair-scoring", List.of("-Xmx384m"), Map.of("quorum.pair-scoring.model", MODEL));
    }

    @AfterAll
    static void stop() {
        if (trainer != null) {
            trainer.close();
        }
        if (scoring != null) {
            scoring.close();
        }
    }

    private static TrainingProgress train(Map<String, String> given) {
        Map<String, String> params = new java.util.HashMap<>(given);
        params.put("model", MODEL);
        TrainingRequested req = new TrainingRequested(TrainingRequested.SCHEMA_VERSION, "sys-" + UUID.randomUUID(), "pair-scorer",
                params, 11, "system-test", System.currentTimeMillis());
        try (TopicReader progress = TopicReader.fromNow(Topics.TRAINING_PROGRESS); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.TRAINING_REQUESTED, req.jobId(), Json.toBytes(req));
            ConsumerRecord<String, byte[]> done = progress.await(1, Duration.ofSeconds(240), r -> req.jobId().equals(r.key())
                    && Json.fromBytes(r.value(), TrainingProgress.class).state().terminal()).get(0);
            return Json.fromBytes(done.value(), TrainingProgress.class);
        }
    }

    private static int servingVersion() throws Exception {
        String body = scoring.get("/models");
        var node = Json.mapper().readTree(body).path("models").path(0).path("serving").path("version");
        return node.isMissingNode() ? 0 : node.asInt();
    }

    private static List<PairScored> score(int n) throws Exception {
        Random rnd = new Random(n);
        String prefix = "sys-" + UUID.randomUUID() + "-";
        try (TopicReader out = TopicReader.fromNow(Topics.PAIRS_SCORED); TestProducer producer = new TestProducer()) {
            for (int i = 0; i < n; i++) {
                float[] a = new float[DIM];
                float[] b = new float[DIM];
                for (int j = 0; j < DIM; j++) {
                    a[j] = (float) rnd.nextGaussian();
                    b[j] = i % 2 == 0 ? a[j] + 0.1f * (float) rnd.nextGaussian() : (float) rnd.nextGaussian();
                }
                PairEmbedded p = PairEmbedded.of(prefix + i, FloatVector.wrap(a), FloatVector.wrap(b));
                producer.send(Topics.PAIRS_EMBEDDED, p.pairId(), Json.toBytes(p));
            }
            producer.flush();
            return out.await(n, Duration.ofSeconds(60), r -> r.key().startsWith(prefix)).stream()
                    .map(r -> Json.fromBytes(r.value(), PairScored.class)).toList();
        }
    }

    @Test
    void aTrainedModelIsServedThenAWorseOneIsNotAndRollbackIsFollowed() throws Exception {
        TrainingProgress good = train(Map.of("n", "1500", "dim", Integer.toString(DIM), "hidden", "32", "epochs", "10"));
        assertThat(good.state()).as(good.message()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(good.promoted()).as(good.message()).isTrue();
        await().atMost(Duration.ofSeconds(60)).until(() -> servingVersion() == good.modelVersion());

        ModelPublished published = TestRegistry.registry().snapshot(Duration.ofSeconds(30))
                .resolve(MODEL, good.modelVersion()).orElseThrow();
        List<PairScored> scored = score(200);
        try (OnnxSession s = OnnxSession.open(Path.of(URI.create(published.uri())), InferenceOptions.cpu(1))) {
            for (PairScored p : scored) {
                assertThat(p.modelVersion()).isEqualTo(good.modelVersion());
                assertThat(p.threshold()).isEqualTo(good.metrics().get("threshold"));
            }
            assertThat(scored).extracting(PairScored::duplicate).contains(true, false);
            checkOneAgainstOrt(s);
        }

        TrainingProgress worse = train(Map.of("n", "300", "dim", Integer.toString(DIM), "hidden", "4", "epochs", "1",
                "noise", "3.0"));
        assertThat(worse.state()).isEqualTo(TrainingProgress.State.PUBLISHED);
        assertThat(worse.promoted()).as(worse.message()).isFalse();
        assertThat(score(20)).allSatisfy(p -> assertThat(p.modelVersion()).isEqualTo(good.modelVersion()));

        // promote the worse one by hand: the service follows; roll back: it follows again
        TestRegistry.registry().moveAlias(MODEL, RegistryState.ALIAS_CHAMPION, worse.modelVersion(),
                "manual promotion", Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> servingVersion() == worse.modelVersion());
        TestRegistry.registry().moveAlias(MODEL, RegistryState.ALIAS_CHAMPION, good.modelVersion(),
                "rollback", Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(60)).until(() -> servingVersion() == good.modelVersion());
        assertThat(score(20)).allSatisfy(p -> assertThat(p.modelVersion()).isEqualTo(good.modelVersion()));
        assertThat(trainer.httpStatus("/q/health/live")).isEqualTo(200);
    }

    private static void checkOneAgainstOrt(OnnxSession s) throws Exception {
        float[] a = new float[DIM];
        float[] b = new float[DIM];
        a[0] = 1;
        b[1] = 1;
        String id = "sys-one-" + UUID.randomUUID();
        double expected = ort(s, a, b);
        try (TopicReader out = TopicReader.fromNow(Topics.PAIRS_SCORED); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.PAIRS_EMBEDDED, id, Json.toBytes(PairEmbedded.of(id, FloatVector.of(a), FloatVector.of(b))));
            PairScored p = Json.fromBytes(out.await(1, Duration.ofSeconds(30), r -> r.key().equals(id)).get(0).value(),
                    PairScored.class);
            assertThat(p.probability()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
        }
    }

    private static double ort(OnnxSession s, float[] a, float[] b) throws OrtException {
        return s.runFloat(Map.of(PairScorerSpec.INPUT_LEFT, FloatTensor.of(a, 1, DIM), PairScorerSpec.INPUT_RIGHT,
                FloatTensor.of(b, 1, DIM)), PairScorerSpec.OUTPUT).data()[0];
    }
}
