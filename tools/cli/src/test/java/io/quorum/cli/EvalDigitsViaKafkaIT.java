package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.EventCodec;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.KafkaClients;
import io.quorum.shared.topics.Topics;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.ModelStore;
import io.quorum.shared.model.RegistryState;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TestRegistry;
import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.AttackReport;
import io.quorum.vision.attack.Attacks;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.OnnxClassifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval digits --via-kafka} on a real broker. The adversarial service is built in parallel in its own module, so
 * a responder in this test answers the requests by the event contract (the same vision attacks on the same model,
 * {@code AdversarialGenerated} per image and {@code AttackCompleted} per request, dead letters with a reason header):
 * the figures that come back over Kafka must equal the in-process ones exactly, and a dead-lettered request must fail
 * the command at once with the service's reason.
 */
class EvalDigitsViaKafkaIT {

    private static final EventCodec<AttackRequested> REQUESTS = EventCodec.of(AttackRequested.class, AttackRequested.SCHEMA_VERSION);
    private static final AtomicBoolean running = new AtomicBoolean(true);
    private static Thread responder;

    @BeforeAll
    static void publishTheModelAndStartTheResponder() throws Exception {
        // the registered version: model.onnx and its gradient graph, as the trainer publishes a digits model
        Path dir = DigitsTestModel.modelDir();
        TestRegistry.publisher().publish(new ModelPublisher.Request("digits-test", dir.resolve("model.onnx"),
                List.of(new ModelStore.Artifact(DigitClassifierSpec.GRADIENT_ARTIFACT, dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT))),
                Map.of("accuracy", 0.9), new Lineage(null, "test", "mnist", null, "test", 0L),
                DigitClassifierSpec.properties(28, 28, DigitSets.DIGITS, "mnist"), RegistryState.ALIAS_CHAMPION));

        KafkaClients clients = TestKafka.clients();
        KafkaConsumer<String, byte[]> c = clients.consumer("test-adversarial", Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(Topics.ATTACKS_REQUESTED, Duration.ofSeconds(15))
                .forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
        c.assign(parts);
        c.seekToEnd(parts);
        parts.forEach(c::position);
        KafkaProducer<String, byte[]> out = clients.reliableProducer("test-adversarial-out", Map.of());
        OnnxClassifier model = OnnxClassifier.open(DigitsTestModel.modelDir(), InferenceOptions.cpu(1));
        responder = new Thread(() -> {
            try (c; out; model) {
                while (running.get()) {
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(100))) {
                        answer(r, model, out);
                    }
                    out.flush();
                }
            }
        }, "test-adversarial-service");
        responder.setDaemon(true);
        responder.start();
    }

    @AfterAll
    static void stopResponder() throws InterruptedException {
        running.set(false);
        responder.join(10_000);
    }

    /** What the adversarial service does with one request, by the contract. */
    private static void answer(ConsumerRecord<String, byte[]> r, OnnxClassifier model, KafkaProducer<String, byte[]> out) {
        AttackRequested req;
        try {
            req = REQUESTS.decode(r.value());
            if (!req.model().equals("digits-test")) {
                throw new IllegalArgumentException("unknown model " + req.model());
            }
        } catch (Exception e) {
            ProducerRecord<String, byte[]> dead = new ProducerRecord<>(Topics.dlq(Topics.ATTACKS_REQUESTED), r.key(), r.value());
            dead.headers().add(DeadLetter.HEADER_REASON, e.getMessage().getBytes(StandardCharsets.UTF_8));
            out.send(dead);
            return;
        }
        try {
            Map<String, String> params = new java.util.HashMap<>(req.params());
            String limit = params.remove("limit");
            AttackParams p = AttackParams.parse(params);
            DigitSet set;
            String idPrefix;
            if (req.image() != null) {
                set = new DigitSet("image", new float[][] {req.image().intensities()}, new int[] {req.label()}, 28, 28,
                        DigitSets.DIGITS);
                idPrefix = req.requestId();
            } else {
                Path[] f = DigitSets.files(req.dataset(), DataDir.root());
                set = DigitSets.read(req.dataset(), f[0], f[1], DigitSets.DIGITS);
                set = limit == null ? set : set.head(Integer.parseInt(limit));
                idPrefix = req.dataset() + "#";
            }
            Outcome o = Attacks.run(req.attack(), model, set.images(), set.labels(), p, new Random(1));
            AttackReport rep = AttackReport.score(model, set.images(), set.labels(), o, p.target(), p.confidence());
            for (int i = 0; i < set.size(); i++) {
                AttackReport.Item it = rep.item(i);
                AdversarialGenerated g = new AdversarialGenerated(AdversarialGenerated.SCHEMA_VERSION, req.requestId(),
                        req.image() != null ? idPrefix : idPrefix + i, i, req.attack(), req.params(),
                        DigitImage.ofFloats(28, 28, o.adversarial()[i]), set.labels()[i], it.linf(), it.l2(),
                        it.predictionBefore(), it.confidenceBefore(), it.predictionAfter(), it.confidenceAfter(), it.success(),
                        it.queries(), req.model(), 1, req.model(), 1, System.currentTimeMillis());
                out.send(new ProducerRecord<>(Topics.ATTACKS_GENERATED, req.requestId(), Json.toBytes(g)));
            }
            AttackCompleted done = new AttackCompleted(AttackCompleted.SCHEMA_VERSION, req.requestId(), req.attack(),
                    req.params(), set.size(), rep.successes(), rep.accuracyBefore(), rep.accuracyAfter(), rep.meanLinf(),
                    rep.meanQueries(), req.model(), 1, req.model(), 1, null, null, 0, System.currentTimeMillis());
            out.send(new ProducerRecord<>(Topics.ATTACKS_GENERATED, req.requestId(), Json.toBytes(done)));
        } catch (Exception e) {
            ProducerRecord<String, byte[]> dead = new ProducerRecord<>(Topics.dlq(Topics.ATTACKS_REQUESTED), r.key(), r.value());
            dead.headers().add(DeadLetter.HEADER_REASON, String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
            out.send(dead);
        }
    }

    private static List<String> args(int limit, String... more) {
        Path[] data = DigitsTestModel.heldOut();
        List<String> a = new ArrayList<>(List.of("eval", "digits", "--images", data[0].toString(), "--labels",
                data[1].toString(), "--limit", Integer.toString(limit)));
        a.addAll(List.of(more));
        return a;
    }

    private static JsonNode inProcess(int limit, String... attack) throws Exception {
        List<String> a = args(limit, "--model-dir", DigitsTestModel.modelDir().toString());
        a.addAll(List.of(attack));
        return EvalDigitsTest.cli(a.toArray(String[]::new)).json();
    }

    private static EvalDigitsTest.Run viaKafka(int limit, String... more) {
        List<String> a = args(limit, "--via-kafka", "--bootstrap", TestKafka.bootstrapServers(), "--timeout", "120",
                "--store", TestRegistry.storeRoot().toString(), "--runtime", TestRegistry.cacheRoot().resolve("cli").toString());
        a.addAll(List.of(more));
        return EvalDigitsTest.cli(a.toArray(String[]::new));
    }

    @Test
    void perImageAndDataSetRequestsGiveTheInProcessFigures() throws Exception {
        JsonNode local = inProcess(40, "--attack", "fgsm", "--eps", "0.2");
        JsonNode perImage = viaKafka(40, "--model", "digits-test", "--attack", "fgsm", "--eps", "0.2").json();
        JsonNode dataset = viaKafka(40, "--model", "digits-test:1", "--attack", "fgsm", "--eps", "0.2", "--requests", "dataset")
                .json();
        for (JsonNode k : List.of(perImage, dataset)) {
            for (String f : List.of("n", "accuracy", "adversarialAccuracy", "successRate", "meanQueries")) {
                assertThat(k.get(f).asDouble()).as(f + " via " + k.get("path").asText()).isEqualTo(local.get(f).asDouble());
            }
            assertThat(k.get("meanLinf").asDouble()).isCloseTo(local.get("meanLinf").asDouble(),
                    org.assertj.core.data.Offset.offset(1e-6));
            assertThat(k.get("model").asText()).isEqualTo("digits-test v1");
            assertThat(k.get("attack").asText()).isEqualTo("fgsm");
        }
        assertThat(perImage.get("path").asText()).contains("40 per-image requests");
        assertThat(dataset.get("path").asText()).contains("one data-set request");
        assertThat(local.get("adversarialAccuracy").asDouble()).isLessThan(local.get("accuracy").asDouble());
    }

    @Test
    void aDeadLetteredRequestFailsAtOnceWithTheServicesReason() {
        long start = System.nanoTime();
        EvalDigitsTest.Run r = viaKafka(3, "--model", "no-such-model", "--attack", "fgsm");
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("dead-lettered").contains("unknown model no-such-model");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    }

    @Test
    void theAdversarialsComeBackExact() throws Exception {
        // exact float32 images over Kafka (no rounding to 1/255): PGD from the same seeded random start gives the same
        // perturbation sizes through a data-set request as in process
        JsonNode local = inProcess(20, "--attack", "pgd", "--eps", "0.1", "--steps", "5");
        JsonNode j = viaKafka(20, "--model", "digits-test", "--attack", "pgd", "--eps", "0.1", "--steps", "5",
                "--requests", "dataset").json();
        assertThat(j.get("meanLinf").asDouble()).isLessThanOrEqualTo(0.1 + 1e-6);
        assertThat(j.get("meanL2").asDouble()).isCloseTo(local.get("meanL2").asDouble(), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(j.get("adversarialAccuracy").asDouble()).isEqualTo(local.get("adversarialAccuracy").asDouble());
    }

    @Test
    void aRegisteredModelIsEvaluatedInProcessAndItsPicturesDrawnFromTheServicesAnswers(@TempDir Path pictures) throws Exception {
        JsonNode local = inProcess(30, "--attack", "fgsm", "--eps", "0.2");
        List<String> a = args(30, "--model", "digits-test", "--attack", "fgsm", "--eps", "0.2", "--bootstrap",
                TestKafka.bootstrapServers(), "--store", TestRegistry.storeRoot().toString(), "--runtime",
                TestRegistry.cacheRoot().resolve("cli").toString());
        JsonNode registered = EvalDigitsTest.cli(a.toArray(String[]::new)).json();
        assertThat(registered.get("model").asText()).isEqualTo("digits-test v1");
        assertThat(registered.get("adversarialAccuracy").asDouble()).isEqualTo(local.get("adversarialAccuracy").asDouble());

        JsonNode k = viaKafka(30, "--model", "digits-test", "--attack", "fgsm", "--eps", "0.2", "--pictures",
                pictures.toString()).json();
        assertThat(k.get("pictures")).hasSize(4); // the grid from the answers, the t-SNE from v1's features
        assertThat(javax.imageio.ImageIO.read(pictures.resolve("fgsm-eps0.2-tsne-both.png").toFile())).isNotNull();
    }
}
