package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.events.AdversarialGenerated;
import io.quorum.shared.events.AttackCompleted;
import io.quorum.shared.events.AttackEvent;
import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.DigitSubmitted;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.BatchResult;
import io.quorum.shared.kafka.DeadLetter;
import io.quorum.shared.kafka.InRecord;
import io.quorum.shared.kafka.OutRecord;
import io.quorum.shared.metrics.Metrics;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.ModelManager;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.Classifier;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor on real models (perceptrons trained on MNIST, on ONNX Runtime) without a broker: what each attack
 * promises, one attack call per batch of single-image requests, transfer, black-box and fooling paths, data-set mode
 * with its stored set, the time budget, red team, and the checks that need the model.
 */
class AttackProcessorTest {

    static final String MODEL = "digits";
    static final String NO_GRADIENT = "digits-black-box";
    static final String OTHER = "digits-other";
    static final String SMALL = "small/small-images-idx3-ubyte.gz|small/small-labels-idx1-ubyte.gz";

    @TempDir
    static Path dir;
    static LocalRegistry registry;
    static TargetModels models;
    static ModelPublished target;
    static ModelPublished other;
    static Path dataDir;

    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    AttackMetrics metrics = new AttackMetrics(meters, 100);
    RecentAttacks recent = new RecentAttacks(4, 3);
    List<BatchResult> sent = new ArrayList<>();
    long offset;

    @BeforeAll
    static void models() throws Exception {
        registry = new LocalRegistry(dir);
        target = registry.publish(MODEL, Digits.trained(), "champion", true);
        registry.publish(NO_GRADIENT, Digits.trained(), "champion", false);
        other = registry.publish(OTHER, Digits.other(), "champion", true);
        models = registry.models(8, Duration.ofSeconds(60), Duration.ofMillis(300));
        dataDir = dir.resolve("data");
        DigitSet small = Digits.test().head(120);
        DigitSets.writeIdx(small, dataDir.resolve("small"), "small");
    }

    AttackProcessor processor(Duration budget, int attackBatch) {
        return processor(budget, attackBatch, DigitSets.ImageEncoding.FLOAT32);
    }

    AttackProcessor processor(Duration budget, int attackBatch, DigitSets.ImageEncoding encoding) {
        AttackCatalog attacks = AttackCatalog.standard().with(new TestAttacks.Poisoned());
        return new AttackProcessor(new AttackProcessor.Settings("out", "red", attackBatch, budget, 500, 10, "adv"),
                new RequestChecks(attacks, dataDir, 500, 100_000), new AdversarialSets(registry.store, encoding), metrics,
                recent);
    }

    AttackProcessor.Processed run(AttackProcessor p, List<AttackRequested> requests) {
        List<InRecord> records = new ArrayList<>();
        for (AttackRequested r : requests) {
            records.add(record(r.requestId(), Json.toBytes(r)));
        }
        return p.process(records, models::acquire, r -> {
            sent.add(r);
            return CompletableFuture.completedFuture(null);
        });
    }

    InRecord record(String key, byte[] value) {
        return new InRecord("quorum.attacks.requested", 0, offset++, key, value, System.currentTimeMillis());
    }

    List<OutRecord> outputs(String topic) {
        return sent.stream().flatMap(r -> r.outputs().stream()).filter(o -> o.topic().equals(topic)).toList();
    }

    static AttackEvent event(OutRecord o) {
        return Json.fromBytes(o.value(), AttackEvent.class);
    }

    List<AttackRequested> images(String prefix, String model, String attack, Map<String, String> params, int n) {
        DigitSet test = Digits.test();
        List<AttackRequested> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Digits.image(prefix + i, model, null, attack, params, test.images()[i], test.labels()[i], false));
        }
        return out;
    }

    long attackCalls(String attack) {
        Timer t = meters.find(Metrics.ATTACK_TIME).tag(Metrics.TAG_ATTACK, attack).timer();
        return t == null ? 0 : t.count();
    }

    @Test
    void fgsmMovesEveryPixelByEpsAndAttacksAPollsImagesInOneCall() {
        List<AttackRequested> requests = images("f", MODEL, "fgsm", Map.of("eps", "0.2"), 40);
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 64), requests);
        assertThat(p.answered()).isEqualTo(40);
        assertThat(p.deadLetters()).isEmpty();
        assertThat(attackCalls("fgsm")).as("one gradient call for the 40 images").isEqualTo(1);

        List<OutRecord> out = outputs("out");
        assertThat(out).hasSize(80);
        DigitSet test = Digits.test();
        int correctBefore = 0;
        int correctAfter = 0;
        for (int i = 0; i < 40; i++) {
            // each request: its adversarial, then its summary, both keyed by the request id
            OutRecord first = out.get(2 * i);
            OutRecord second = out.get(2 * i + 1);
            assertThat(first.key()).isEqualTo("f" + i).isEqualTo(second.key());
            AdversarialGenerated g = (AdversarialGenerated) event(first);
            AttackCompleted c = (AttackCompleted) event(second);
            float[] x = test.images()[i];
            float[] a = g.image().intensities();
            for (int j = 0; j < x.length; j++) {
                float d = a[j] - x[j];
                boolean clipped = a[j] == 0f || a[j] == 1f;
                boolean still = d == 0f;
                assertThat(Math.abs(Math.abs(d) - 0.2f) < 1e-6 || clipped || still)
                        .as("pixel %d of image %d moved by %f", j, i, d).isTrue();
            }
            assertThat(g.linf()).isLessThanOrEqualTo(0.2 + 1e-6).isEqualTo(max(x, a), within(1e-9));
            assertThat(g.label()).isEqualTo(test.labels()[i]);
            // the predictions are the target's: checked against the perceptron computed in Java
            float[] pb = Digits.trained().probabilities(new float[][] {x})[0];
            float[] pa = Digits.trained().probabilities(new float[][] {a})[0];
            assertThat(g.predictionBefore()).isEqualTo(Classifier.argmax(new float[][] {pb})[0]);
            assertThat(g.predictionAfter()).isEqualTo(Classifier.argmax(new float[][] {pa})[0]);
            assertThat(g.confidenceAfter()).isCloseTo(pa[g.predictionAfter()], within(1e-4));
            assertThat(g.success()).isEqualTo(g.predictionAfter() != g.label());
            assertThat(g.queries()).isEqualTo(1);
            assertThat(g.model()).isEqualTo(MODEL);
            assertThat(g.modelVersion()).isEqualTo(target.version());
            assertThat(g.sourceModel()).isEqualTo(MODEL);
            assertThat(g.sourceVersion()).isEqualTo(target.version());
            assertThat(c.attacked()).isEqualTo(1);
            assertThat(c.successes()).isEqualTo(g.success() ? 1 : 0);
            assertThat(c.dataset()).isNull();
            assertThat(c.error()).isNull();
            correctBefore += g.predictionBefore() == g.label() ? 1 : 0;
            correctAfter += g.predictionAfter() == g.label() ? 1 : 0;
        }
        assertThat(correctBefore).as("clean accuracy").isGreaterThanOrEqualTo(32);
        assertThat(correctAfter).as("accuracy under FGSM eps 0.2").isLessThan(correctBefore / 2);
        assertThat(metrics.successRatio("fgsm", MODEL, target.version())).isEqualTo(1 - correctAfter / 40.0, within(1e-9));
        // the pictures of the last four requests are kept
        assertThat(recent.size()).isEqualTo(4);
        assertThat(recent.get("f35")).isEmpty();
        RecentAttacks.Picture picture = recent.get("f39").orElseThrow();
        assertThat(picture.entries()).singleElement().satisfies(e -> {
            assertThat(e.clean()).containsExactly(test.images()[39]);
            assertThat(e.label()).isEqualTo(test.labels()[39]);
        });
        assertThat(picture.title()).contains("fgsm").contains(MODEL + " v" + target.version()).contains("f39");
    }

    @Test
    void pgdNeverLeavesTheEpsBallAndCostsOneCallPerStep() {
        List<AttackRequested> requests = images("p", MODEL, "pgd", Map.of("eps", "0.1", "steps", "10"), 20);
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 64), requests);
        assertThat(p.answered()).isEqualTo(20);
        assertThat(attackCalls("pgd")).isEqualTo(1);
        int before = 0;
        int after = 0;
        for (OutRecord o : outputs("out")) {
            if (event(o) instanceof AdversarialGenerated g) {
                assertThat(g.linf()).isLessThanOrEqualTo(0.1 + 1e-6);
                assertThat(g.queries()).isEqualTo(10);
                for (float v : g.image().intensities()) {
                    assertThat(v).isBetween(0f, 1f);
                }
                before += g.predictionBefore() == g.label() ? 1 : 0;
                after += g.predictionAfter() == g.label() ? 1 : 0;
            }
        }
        assertThat(after).isLessThan(before);
    }

    @Test
    void transferCraftsOnTheSourceAndScoresOnTheTarget() {
        DigitSet test = Digits.test();
        AttackRequested r = new AttackRequested(1, "t0", MODEL, null, "fgsm", Map.of("eps", "0.3"),
                DigitImage.ofFloats(28, 28, test.images()[0]), test.labels()[0], null, OTHER + ":" + other.version(),
                false, "test", 0);
        run(processor(Duration.ofMinutes(1), 64), List.of(r));
        AdversarialGenerated g = (AdversarialGenerated) event(outputs("out").get(0));
        AttackCompleted c = (AttackCompleted) event(outputs("out").get(1));
        assertThat(g.model()).isEqualTo(MODEL);
        assertThat(g.modelVersion()).isEqualTo(target.version());
        assertThat(g.sourceModel()).isEqualTo(OTHER);
        assertThat(g.sourceVersion()).isEqualTo(other.version());
        assertThat(c.sourceModel()).isEqualTo(OTHER);
        assertThat(c.sourceVersion()).isEqualTo(other.version());
        float[] pa = Digits.trained().probabilities(new float[][] {g.image().intensities()})[0];
        assertThat(g.predictionAfter()).as("scored on the target").isEqualTo(Classifier.argmax(new float[][] {pa})[0]);
    }

    @Test
    void blackBoxAttacksRunOnModelsWithoutAGradientGraphAndWhiteBoxOnesAreRefused() {
        List<AttackRequested> requests = new ArrayList<>(images("b", NO_GRADIENT, "genetic",
                Map.of("eps", "0.3", "max-queries", "500"), 5));
        requests.addAll(images("w", NO_GRADIENT, "fgsm", Map.of(), 1));
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 64), requests);
        assertThat(p.answered()).isEqualTo(5);
        assertThat(attackCalls("genetic")).as("the five images searched together").isEqualTo(1);
        assertThat(p.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(RejectReason.UNSUPPORTED_ATTACK);
            assertThat(d.message()).contains("gradient.onnx");
            assertThat(d.source().key()).isEqualTo("w0");
        });
        for (OutRecord o : outputs("out")) {
            if (event(o) instanceof AdversarialGenerated g) {
                assertThat(g.queries()).isBetween(1L, 500L);
                assertThat(g.linf()).isLessThanOrEqualTo(0.3 + 1e-6);
                assertThat(g.success()).isEqualTo(g.predictionAfter() != g.label());
            }
        }
    }

    @Test
    void foolingImagesAreEvolvedFromNoiseForOneOrEveryClass() {
        AttackRequested one = new AttackRequested(1, "fool-3", MODEL, null, "fooling",
                Map.of("target", "3", "confidence", "0.9", "max-queries", "3000"), null, null, null, null, true, "test", 0);
        AttackRequested all = new AttackRequested(1, "fool-all", MODEL, null, "fooling",
                Map.of("confidence", "0.5", "max-queries", "300"), null, null, null, null, false, "test", 0);
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 64), List.of(one, all));
        assertThat(p.answered()).isEqualTo(2);
        assertThat(attackCalls("fooling")).as("one call per request, all classes at once").isEqualTo(2);
        Map<String, List<AttackEvent>> byRequest = outputs("out").stream().map(AttackProcessorTest::event)
                .collect(Collectors.groupingBy(AttackEvent::requestId, LinkedHashMap::new, Collectors.toList()));
        assertThat(byRequest.get("fool-3")).hasSize(2);
        AdversarialGenerated g = (AdversarialGenerated) byRequest.get("fool-3").get(0);
        assertThat(g.label()).isNull();
        assertThat(g.predictionBefore()).isEqualTo(-1);
        assertThat(g.sourceId()).isEqualTo("fooling:3");
        assertThat(g.success()).isEqualTo(g.predictionAfter() == 3 && g.confidenceAfter() >= 0.9);
        assertThat(byRequest.get("fool-all")).hasSize(11);
        for (int c = 0; c < 10; c++) {
            AdversarialGenerated gc = (AdversarialGenerated) byRequest.get("fool-all").get(c);
            assertThat(gc.index()).isEqualTo(c);
            assertThat(gc.sourceId()).isEqualTo("fooling:" + c);
        }
        AttackCompleted done = (AttackCompleted) byRequest.get("fool-all").get(10);
        assertThat(done.attacked()).isEqualTo(10);
        assertThat(done.accuracyBefore()).isNaN();
        assertThat(outputs("red")).singleElement().satisfies(o -> {
            DigitSubmitted d = Json.fromBytes(o.value(), DigitSubmitted.class);
            assertThat(d.label()).isNull();
            assertThat(d.source()).isEqualTo("red-team:fooling");
        });
    }

    @Test
    void aDataSetIsAttackedWholeStoredAndPublishedAsACappedSample() throws Exception {
        AttackRequested r = Digits.dataset("ds-1", MODEL, "fgsm", Map.of("eps", "0.25", "limit", "100"), SMALL, false);
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 32), List.of(r));
        assertThat(p.answered()).isEqualTo(1);
        assertThat(attackCalls("fgsm")).as("100 images in chunks of 32").isEqualTo(4);
        List<AttackEvent> events = outputs("out").stream().map(AttackProcessorTest::event).toList();
        assertThat(events).hasSize(11);
        // each chunk's records go out as soon as it is scored (the last of the four holds no sampled image), the
        // summary after them
        assertThat(sent).extracting(s -> s.outputs().stream().map(AttackProcessorTest::event)
                .map(e -> e instanceof AdversarialGenerated g ? g.index() : -1).toList())
                .containsExactly(List.of(0, 10, 20, 30), List.of(40, 50, 60), List.of(70, 80, 90), List.of(-1));
        List<Integer> indexes = events.subList(0, 10).stream().map(e -> ((AdversarialGenerated) e).index()).toList();
        assertThat(indexes).containsExactly(0, 10, 20, 30, 40, 50, 60, 70, 80, 90);
        assertThat(((AdversarialGenerated) events.get(3)).sourceId()).isEqualTo(SMALL + "#30");
        AttackCompleted c = (AttackCompleted) events.get(10);
        assertThat(c.attacked()).isEqualTo(100);
        assertThat(c.error()).isNull();
        assertThat(c.accuracyAfter()).isLessThan(c.accuracyBefore());
        assertThat(recent.get("ds-1").orElseThrow().entries()).as("the first three pairs").hasSize(3);
        Map<String, String> ds = c.dataset();
        assertThat(ds.get(AttackCompleted.DATASET_NAME)).startsWith("adv-files-").endsWith("-fgsm");
        assertThat(registry.store.versions(ds.get(AttackCompleted.DATASET_NAME)))
                .contains(Integer.parseInt(ds.get(AttackCompleted.DATASET_VERSION)));
        int versions = registry.store.versions(ds.get(AttackCompleted.DATASET_NAME)).size();
        Path images = Path.of(URI.create(ds.get(AttackCompleted.DATASET_IMAGES)));
        Path labels = Path.of(URI.create(ds.get(AttackCompleted.DATASET_LABELS)));
        assertThat(Hashing.sha256(images)).isEqualTo(ds.get(AttackCompleted.DATASET_IMAGES + AttackCompleted.SHA256_SUFFIX));
        assertThat(Hashing.sha256(labels)).isEqualTo(ds.get(AttackCompleted.DATASET_LABELS + AttackCompleted.SHA256_SUFFIX));
        DigitSet stored = DigitSets.read("stored", images, labels, DigitSets.DIGITS);
        assertThat(stored.size()).isEqualTo(100);
        assertThat(stored.labels()).containsExactly(java.util.Arrays.copyOf(Digits.test().labels(), 100));
        // the stored images are the published adversarials, bit for bit (IDX float32)
        assertThat(images.getFileName().toString()).endsWith("-images-idx3-float.gz");
        AdversarialGenerated tenth = (AdversarialGenerated) events.get(1);
        assertThat(stored.images()[10]).isEqualTo(tenth.image().intensities());
        JsonNode card = Json.mapper().readTree(Path.of(URI.create(ds.get(AttackCompleted.DATASET_CARD))).toFile());
        assertThat(card.path("requestId").asText()).isEqualTo("ds-1");
        assertThat(card.path("attack").asText()).isEqualTo("fgsm");
        assertThat(card.path("craftedOn").path("version").asInt()).isEqualTo(target.version());
        assertThat(card.path("images").asInt()).isEqualTo(100);
        assertThat(card.path("complete").asBoolean()).isTrue();
        assertThat(card.path("accuracyAfterStored").asDouble()).isEqualTo(c.accuracyAfter());
        assertThat(card.path("encoding").asText()).startsWith("IDX float32");
        assertThat(card.path("source").path("images").asText()).doesNotStartWith("/");
        assertThat(card.path("source").path("size").asInt()).as("the source's size, not the head that was read")
                .isEqualTo(120);

        // the same request delivered again names the version stored the first time
        sent.clear();
        run(processor(Duration.ofMinutes(1), 32), List.of(r));
        AttackCompleted again = (AttackCompleted) outputs("out").stream().map(AttackProcessorTest::event)
                .filter(e -> e instanceof AttackCompleted).findFirst().orElseThrow();
        assertThat(again.dataset()).isEqualTo(ds);
        assertThat(registry.store.versions(ds.get(AttackCompleted.DATASET_NAME))).hasSize(versions);
    }

    @Test
    void anUnsignedByteStoreRoundsTheImagesAndScoresWhatItStored() throws Exception {
        AttackRequested r = Digits.dataset("ds-8bit", MODEL, "pgd", Map.of("limit", "40", "steps", "5"), SMALL, false);
        run(processor(Duration.ofMinutes(1), 32, DigitSets.ImageEncoding.UNSIGNED_BYTE), List.of(r));
        List<AttackEvent> events = outputs("out").stream().map(AttackProcessorTest::event).toList();
        AttackCompleted c = (AttackCompleted) events.get(events.size() - 1);
        Map<String, String> ds = c.dataset();
        Path images = Path.of(URI.create(ds.get(AttackCompleted.DATASET_IMAGES)));
        assertThat(images.getFileName().toString()).endsWith("-images-idx3-ubyte.gz");
        DigitSet stored = DigitSets.read("stored", images, Path.of(URI.create(ds.get(AttackCompleted.DATASET_LABELS))),
                DigitSets.DIGITS);
        AdversarialGenerated first = (AdversarialGenerated) events.get(0);
        float[] exact = first.image().intensities();
        for (int j = 0; j < exact.length; j++) {
            assertThat(stored.images()[0][j]).isCloseTo(exact[j], within(0.5f / 255 + 1e-6f));
            assertThat(stored.images()[0][j] * 255f).isCloseTo(Math.round(stored.images()[0][j] * 255f), within(1e-3f));
        }
        JsonNode card = Json.mapper().readTree(Path.of(URI.create(ds.get(AttackCompleted.DATASET_CARD))).toFile());
        assertThat(card.path("encoding").asText()).startsWith("IDX unsigned bytes");
        // scored on the rounded images themselves: the stored set's accuracy is what a reader of it measures
        int[] predicted;
        try (ModelManager.Lease<AttackModel> lease = models.acquire(ModelRef.of(MODEL, null))) {
            predicted = io.quorum.vision.model.Classifier.argmax(lease.model().classifier().probabilities(stored.images()));
        }
        long correct = java.util.stream.IntStream.range(0, stored.size())
                .filter(i -> predicted[i] == stored.labels()[i]).count();
        assertThat(card.path("accuracyAfterStored").asDouble()).isEqualTo(correct / (double) stored.size());
    }

    @Test
    void aDataSetRequestStopsEarlyWhenThePollsTimeRunsOutAndStoresWhatItAttacked() throws Exception {
        AttackRequested r = Digits.dataset("ds-budget", MODEL, "fgsm", Map.of("limit", "100"), SMALL, true);
        run(processor(Duration.ZERO, 32), List.of(r));
        AttackCompleted c = (AttackCompleted) outputs("out").stream().map(AttackProcessorTest::event)
                .filter(e -> e instanceof AttackCompleted).findFirst().orElseThrow();
        assertThat(c.attacked()).isEqualTo(32);
        assertThat(c.error()).contains("stopped after 32 of 100 images");
        DigitSet stored = DigitSets.read("stored", Path.of(URI.create(c.dataset().get(AttackCompleted.DATASET_IMAGES))),
                Path.of(URI.create(c.dataset().get(AttackCompleted.DATASET_LABELS))), DigitSets.DIGITS);
        assertThat(stored.size()).isEqualTo(32);
        JsonNode card = Json.mapper().readTree(Path.of(URI.create(c.dataset().get(AttackCompleted.DATASET_CARD))).toFile());
        assertThat(card.path("complete").asBoolean()).isFalse();
        // red team: every attacked image, labelled with its true class
        List<OutRecord> red = outputs("red");
        assertThat(red).hasSize(32);
        DigitSubmitted d = Json.fromBytes(red.get(5).value(), DigitSubmitted.class);
        assertThat(d.imageId()).isEqualTo("ds-budget#5");
        assertThat(d.label()).isEqualTo(Digits.test().labels()[5]);
        assertThat(d.source()).isEqualTo("red-team:fgsm");
        assertThat(red.get(5).key()).isEqualTo("ds-budget#5");
    }

    @Test
    void redTeamRequestsAlsoSubmitTheirAdversarialsAsDigits() {
        DigitSet test = Digits.test();
        AttackRequested r = Digits.image("red-1", MODEL, null, "fgsm", Map.of("eps", "0.3"), test.images()[3],
                test.labels()[3], true);
        run(processor(Duration.ofMinutes(1), 64), List.of(r));
        AdversarialGenerated g = (AdversarialGenerated) event(outputs("out").get(0));
        DigitSubmitted d = Json.fromBytes(outputs("red").get(0).value(), DigitSubmitted.class);
        assertThat(d.imageId()).isEqualTo("red-1#0");
        assertThat(d.label()).isEqualTo(test.labels()[3]);
        assertThat(d.image().intensities()).containsExactly(g.image().intensities());
    }

    @Test
    void aDataSetLargerThanTheServicesLimitIsDeadLetteredWithoutReadingItWhole() {
        AttackCatalog attacks = AttackCatalog.standard();
        AttackProcessor p = new AttackProcessor(new AttackProcessor.Settings("out", "red", 32, Duration.ofMinutes(1), 100,
                10, "adv"), new RequestChecks(attacks, dataDir, 100, 100_000),
                new AdversarialSets(registry.store, DigitSets.ImageEncoding.FLOAT32), metrics, recent);
        AttackProcessor.Processed whole = run(p, List.of(Digits.dataset("too-many", MODEL, "fgsm", Map.of(), SMALL, false)));
        assertThat(whole.answered()).isZero();
        assertThat(whole.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(RejectReason.LIMIT_EXCEEDED);
            assertThat(d.message()).contains("has 120 images, above this service's limit of 100");
        });
        assertThat(attackCalls("fgsm")).isZero();
        AttackProcessor.Processed head = run(p, List.of(Digits.dataset("head", MODEL, "fgsm", Map.of("limit", "100"),
                SMALL, false)));
        assertThat(head.answered()).as("a limit within the service's lets the same set through").isEqualTo(1);
    }

    @Test
    void requestsThatDoNotFitTheirModelAreDeadLetteredWithTheirReason() {
        DigitSet test = Digits.test();
        List<AttackRequested> requests = List.of(
                new AttackRequested(1, "small-image", MODEL, null, "fgsm", Map.of(),
                        DigitImage.ofFloats(20, 20, new float[400]), 1, null, null, false, "t", 0),
                Digits.image("label", MODEL, null, "fgsm", Map.of(), test.images()[0], 12, false),
                Digits.image("target", MODEL, null, "fgsm", Map.of("target", "15"), test.images()[0], 1, false),
                Digits.image("unknown", "no-such-model", null, "fgsm", Map.of(), test.images()[0], 1, false),
                Digits.image("pinned", MODEL, "version:99", "fgsm", Map.of(), test.images()[0], 1, false),
                Digits.image("ok", MODEL, null, "fgsm", Map.of(), test.images()[0], test.labels()[0], false));
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 64), requests);
        assertThat(p.answered()).isEqualTo(1);
        Map<String, RejectReason> reasons = p.deadLetters().stream()
                .collect(Collectors.toMap(d -> d.source().key(), DeadLetter::reason));
        assertThat(reasons).containsExactlyInAnyOrderEntriesOf(Map.of(
                "small-image", RejectReason.WRONG_DIMENSION,
                "label", RejectReason.INVALID_VALUE,
                "target", RejectReason.INVALID_VALUE,
                "unknown", RejectReason.UNKNOWN_MODEL,
                "pinned", RejectReason.UNKNOWN_MODEL));
        assertThat(sent.get(sent.size() - 1).deadLetters()).hasSize(5);
    }

    @Test
    void aRequestThatBreaksTheAttackIsIsolatedFromTheOthersOfItsBatch() {
        DigitSet test = Digits.test();
        List<AttackRequested> requests = new ArrayList<>(images("iso", MODEL, "poisoned", Map.of(), 7));
        float[] poison = test.images()[9].clone();
        poison[0] = TestAttacks.Poisoned.POISON;
        requests.add(3, Digits.image("poison", MODEL, null, "poisoned", Map.of(), poison, test.labels()[9], false));
        AttackProcessor.Processed p = run(processor(Duration.ofMinutes(1), 64), requests);
        assertThat(p.answered()).isEqualTo(7);
        assertThat(p.deadLetters()).singleElement().satisfies(d -> {
            assertThat(d.source().key()).isEqualTo("poison");
            assertThat(d.reason()).isEqualTo(RejectReason.INFERENCE_FAILED);
        });
    }

    private static double max(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
