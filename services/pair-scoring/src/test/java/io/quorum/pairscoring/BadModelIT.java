package io.quorum.pairscoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quorum.shared.events.ArtifactRef;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.ModelSignature;
import io.quorum.shared.events.PairEmbedded;
import io.quorum.shared.events.TensorSpec;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.ModelManager;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.shared.model.RegistryState;
import io.quorum.shared.onnx.OnnxGraph;
import io.quorum.shared.topics.Topics;
import io.quorum.testing.KafkaTestResource;
import io.quorum.testing.TestModels;
import io.quorum.testing.TestProducer;
import io.quorum.testing.TestRegistry;
import io.quorum.testing.TopicReader;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Versions with a wrong hash, a truncated file or a wrong signature are refused; the old version keeps serving. */
@QuarkusTest
@WithTestResource(value = KafkaTestResource.class, scope = TestResourceScope.GLOBAL)
class BadModelIT {

    @Inject
    PairScoringService service;
    @Inject
    MeterRegistry meters;

    ModelPublished good;

    @BeforeEach
    void serveAGoodVersion() {
        good = TestRegistry.publishChampion(PairScorerSpec.MODEL_NAME,
                TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 51, 0.5));
        await().atMost(Duration.ofSeconds(60)).until(() -> service.manager().servingVersion() == good.version());
    }

    @Test
    void refusesAWrongSha256() throws Exception {
        ModelStore.StoredVersion stored = storeFile(TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 52, 0.5).toBytes());
        String fake = "0".repeat(64);
        ArtifactRef a = stored.artifact(ModelPublisher.PRIMARY);
        ModelPublished event = announce(stored, new ArtifactRef(a.name(), a.uri(), fake, a.sizeBytes()), good.signature());
        expectRefused(event, "sha256");
    }

    @Test
    void refusesATruncatedFile() throws Exception {
        byte[] bytes = TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 53, 0.5).toBytes();
        ModelStore.StoredVersion stored = storeFile(Arrays.copyOf(bytes, bytes.length / 2));
        ModelPublished event = announce(stored, stored.artifact(ModelPublisher.PRIMARY), good.signature());
        expectRefused(event, "load");
    }

    @Test
    void refusesASignatureThatDoesNotMatchTheModel() throws Exception {
        ModelStore.StoredVersion stored = storeFile(TestModels.pairScorer(PairFixtures.DIM, PairFixtures.HIDDEN, 54, 0.5).toBytes());
        ModelSignature announced = new ModelSignature(
                List.of(TensorSpec.float32(PairScorerSpec.INPUT_LEFT, -1, 64), TensorSpec.float32(PairScorerSpec.INPUT_RIGHT, -1, 64)),
                good.signature().outputs());
        ModelPublished event = announce(stored, stored.artifact(ModelPublisher.PRIMARY), announced);
        expectRefused(event, "signature");
    }

    @Test
    void refusesAModelThatDoesNotFitTheService() throws Exception {
        OnnxGraph g = OnnxGraph.create("one-input");
        String x = g.input("x", PairFixtures.DIM);
        g.output(g.sigmoid(g.reduceSum(x, true, 1)), PairScorerSpec.OUTPUT, -1, 1);
        ModelPublished event = TestRegistry.publish(PairScorerSpec.MODEL_NAME, g, RegistryState.ALIAS_CHAMPION);
        awaitRefused(event, "contract");
    }

    private ModelStore.StoredVersion storeFile(byte[] bytes) throws Exception {
        try (TempDir tmp = TempDir.create("bad-")) {
            Path f = Files.write(tmp.resolve(ModelPublisher.PRIMARY), bytes);
            return TestRegistry.store().put(PairScorerSpec.MODEL_NAME, List.of(new ModelStore.Artifact(ModelPublisher.PRIMARY, f)));
        }
    }

    private static ModelPublished announce(ModelStore.StoredVersion stored, ArtifactRef primary, ModelSignature signature) {
        return new ModelPublished(ModelPublished.SCHEMA_VERSION, PairScorerSpec.MODEL_NAME, stored.version(),
                RegistryState.ALIAS_CHAMPION, primary.uri(), primary.sha256(), primary.sizeBytes(), List.of(primary),
                signature, null, null, null, System.currentTimeMillis());
    }

    private void expectRefused(ModelPublished event, String check) throws Exception {
        TestRegistry.registry().publish(event);
        awaitRefused(event, check);
    }

    private void awaitRefused(ModelPublished event, String check) throws Exception {
        double refusedBefore = refusedCount();
        await().atMost(Duration.ofSeconds(60)).until(() -> status(event.version()) != null
                && status(event.version()).state() == ModelManager.LoadState.REFUSED);
        ModelManager.VersionStatus s = status(event.version());
        assertThat(s.failedCheck()).isEqualTo(check);
        assertThat(s.reason()).isNotBlank();
        assertThat(refusedCount()).isGreaterThan(refusedBefore - 1);
        assertThat(service.manager().servingVersion()).isEqualTo(good.version());

        // and the old version still answers
        String id = "after-refusal-" + UUID.randomUUID();
        PairEmbedded p = PairFixtures.pairs(id, 1, 9).get(0);
        try (TopicReader out = TopicReader.fromNow(Topics.PAIRS_SCORED); TestProducer producer = new TestProducer()) {
            producer.sendSync(Topics.PAIRS_EMBEDDED, p.pairId(), Json.toBytes(p));
            List<ConsumerRecord<String, byte[]>> r = out.await(1, Duration.ofSeconds(30), rec -> rec.key().equals(p.pairId()));
            assertThat(PairFixtures.scored(r.get(0)).modelVersion()).isEqualTo(good.version());
        }
    }

    private ModelManager.VersionStatus status(int version) {
        return service.manager().status().versions().stream().filter(v -> v.version() == version).findFirst().orElse(null);
    }

    private double refusedCount() {
        var c = meters.find(Metrics.MODEL_LOADS).tag(Metrics.TAG_MODEL, PairScorerSpec.MODEL_NAME)
                .tag(Metrics.TAG_OUTCOME, "refused").counter();
        return c == null ? 0 : c.count();
    }
}
