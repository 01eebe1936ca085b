package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.AttackRequested;
import io.quorum.shared.events.DigitImage;
import io.quorum.shared.events.FloatVector;
import io.quorum.shared.events.InvalidEventException;
import io.quorum.shared.events.RejectReason;
import io.quorum.shared.json.Json;
import io.quorum.shared.kafka.InRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every check that needs no model, each failing with the reason code its dead letter carries. */
class RequestChecksTest {

    @TempDir
    Path dir;
    Path data;
    RequestChecks checks;

    @BeforeEach
    void setUp() throws Exception {
        data = Files.createDirectories(dir.resolve("data"));
        Files.createDirectories(data.resolve("mnist"));
        Files.writeString(data.resolve("mnist/mnist-8k-images-idx3-ubyte.gz"), "x");
        Files.writeString(data.resolve("mnist/mnist-8k-labels-idx1-ubyte.gz"), "y");
        Files.writeString(data.resolve("a.idx"), "a");
        Files.writeString(dir.resolve("secret.idx"), "outside");
        Files.createSymbolicLink(data.resolve("link.idx"), dir.resolve("secret.idx"));
        checks = new RequestChecks(AttackCatalog.standard(), data, 1000, 5000);
    }

    static AttackRequested request(String attack, Map<String, String> params, DigitImage image, Integer label,
                                   String dataset) {
        return new AttackRequested(1, "r", "digit-classifier", null, attack, params, image, label, dataset, null, false,
                "test", 0);
    }

    static DigitImage image(float fill) {
        float[] v = new float[784];
        java.util.Arrays.fill(v, fill);
        return DigitImage.ofFloats(28, 28, v);
    }

    Job check(AttackRequested r) throws InvalidEventException {
        return check(Json.toBytes(r));
    }

    Job check(byte[] value) throws InvalidEventException {
        return checks.check(new InRecord("quorum.attacks.requested", 0, 0, "r", value, 0));
    }

    RejectReason reason(AttackRequested r) {
        return reason(Json.toBytes(r));
    }

    RejectReason reason(byte[] value) {
        try {
            check(value);
        } catch (InvalidEventException e) {
            assertThat(e.getMessage()).isNotBlank();
            return e.reason();
        }
        throw new AssertionError("accepted");
    }

    @Test
    void acceptsEachModeOfRequest() throws Exception {
        Job one = check(request("FGSM", Map.of("eps", "0.1"), image(0.5f), 3, null));
        assertThat(one.mode()).isEqualTo(Job.Mode.IMAGE);
        assertThat(one.attack().name()).isEqualTo("fgsm");
        assertThat(one.params().eps()).isEqualTo(0.1);
        assertThat(one.image()).hasSize(784);
        assertThat(one.target()).isEqualTo(ModelRef.of("digit-classifier", "champion"));
        Job pixels = check(request("pgd", Map.of(), DigitImage.ofBytes(28, 28, new byte[784]), 0, null));
        assertThat(pixels.image()).containsOnly(0f);
        Job set = check(request("fgsm", Map.of("limit", "500"), null, null, "mnist"));
        assertThat(set.mode()).isEqualTo(Job.Mode.DATASET);
        assertThat(set.limit()).isEqualTo(500);
        assertThat(set.dataset().slug()).isEqualTo("mnist");
        assertThat(set.dataset().images()).isEqualTo(data.resolve("mnist/mnist-8k-images-idx3-ubyte.gz").toRealPath());
        Job files = check(request("fgsm", Map.of(), null, null, "a.idx|mnist/mnist-8k-labels-idx1-ubyte.gz"));
        assertThat(files.dataset().slug()).startsWith("files-");
        assertThat(files.limit()).isEqualTo(-1);
        Job noise = check(request("fooling", Map.of("target", "4"), null, null, null));
        assertThat(noise.mode()).isEqualTo(Job.Mode.NOISE);
        AttackRequested transfer = new AttackRequested(1, "r", "digit-classifier", "version:3", "fgsm", Map.of(),
                image(0f), 1, null, "other-model:candidate", false, "t", 0);
        Job t = check(transfer);
        assertThat(t.target().selector().pinnedVersion()).isEqualTo(3);
        assertThat(t.craft()).isEqualTo(t.source());
        assertThat(t.source().name()).isEqualTo("other-model");
        assertThat(t.source().selector().alias()).isEqualTo("candidate");
    }

    @Test
    void malformedRecords() {
        assertThat(reason("{\"schemaVersion\":1,".getBytes(StandardCharsets.UTF_8))).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(reason(new byte[0])).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(reason("{\"schemaVersion\":1,\"requestId\":\"r\",\"attack\":\"fgsm\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(reason(("{\"schemaVersion\":7,\"requestId\":\"r\",\"model\":\"m\",\"attack\":\"fooling\"}")
                .getBytes(StandardCharsets.UTF_8))).isEqualTo(RejectReason.UNSUPPORTED_SCHEMA);
        // an image with both encodings, and one too large to be a digit
        assertThat(reason(("{\"schemaVersion\":1,\"requestId\":\"r\",\"model\":\"m\",\"attack\":\"fgsm\",\"label\":1,"
                + "\"image\":{\"width\":1,\"height\":1,\"pixels\":\"AA==\",\"values\":{\"dim\":1,\"f32\":\"AAAAAA==\"}}}")
                .getBytes(StandardCharsets.UTF_8))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(("{\"schemaVersion\":1,\"requestId\":\"r\",\"model\":\"m\",\"attack\":\"fgsm\",\"label\":1,"
                + "\"image\":{\"width\":1000,\"height\":1,\"pixels\":\"AA==\"}}").getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(RejectReason.INVALID_VALUE);
    }

    @Test
    void attacksAndTheirParameters() {
        assertThat(reason(request("deepfool", Map.of(), image(0f), 1, null))).isEqualTo(RejectReason.UNSUPPORTED_ATTACK);
        assertThat(reason(request("fgsm", Map.of("eps", "1.5"), image(0f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of("eps", "0"), image(0f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of("eps", "NaN"), image(0f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("pgd", Map.of("steps", "5000"), image(0f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of("epsilon", "0.1"), image(0f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("genetic", Map.of("max-queries", "6000"), image(0f), 1, null)))
                .isEqualTo(RejectReason.LIMIT_EXCEEDED);
        assertThat(reason(request("fgsm", Map.of("limit", "10"), image(0f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
    }

    @Test
    void images() {
        float[] nan = new float[784];
        nan[17] = Float.NaN;
        assertThat(reason(request("fgsm", Map.of(), DigitImage.ofFloats(28, 28, nan), 1, null))).isEqualTo(RejectReason.NON_FINITE);
        float[] inf = new float[784];
        inf[3] = Float.POSITIVE_INFINITY;
        assertThat(reason(request("fgsm", Map.of(), DigitImage.ofFloats(28, 28, inf), 1, null))).isEqualTo(RejectReason.NON_FINITE);
        assertThat(reason(request("fgsm", Map.of(), image(1.5f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), image(-0.1f), 1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), new DigitImage(28, 28, null, FloatVector.of(new float[700])), 1, null)))
                .isEqualTo(RejectReason.WRONG_DIMENSION);
        assertThat(reason(request("fgsm", Map.of(), new DigitImage(28, 28, Base64.getEncoder().encodeToString(new byte[100]),
                null), 1, null))).isEqualTo(RejectReason.WRONG_DIMENSION);
        assertThat(reason(request("fgsm", Map.of(), new DigitImage(28, 28, "not base64!", null), 1, null)))
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), image(0f), null, null))).isEqualTo(RejectReason.MISSING_FIELD);
        assertThat(reason(request("fgsm", Map.of(), image(0f), -1, null))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fooling", Map.of(), image(0f), null, null))).isEqualTo(RejectReason.INVALID_VALUE);
    }

    @Test
    void dataSetsStayInsideTheDataDirectory() {
        assertThat(reason(request("fgsm", Map.of(), null, null, "cifar10"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), null, null, "../secret.idx|a.idx"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), null, null, dir.resolve("secret.idx") + "|a.idx")))
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), null, null, "link.idx|a.idx"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), null, null, "a.idx|missing.idx"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), null, null, "mnist|a.idx"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of(), null, null, "fashion-mnist:test"))).as("not in this data directory")
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of("limit", "1001"), null, null, "mnist"))).isEqualTo(RejectReason.LIMIT_EXCEEDED);
        assertThat(reason(request("fgsm", Map.of("limit", "0"), null, null, "mnist"))).isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(request("fgsm", Map.of("limit", "ten"), null, null, "mnist"))).isEqualTo(RejectReason.INVALID_VALUE);
        String message = message(request("fgsm", Map.of(), null, null, "../secret.idx|a.idx"));
        assertThat(message).as("no machine path in a dead-letter header").doesNotContain(dir.toString());
    }

    @Test
    void modelNames() {
        Map<String, String> none = new HashMap<>();
        assertThat(reason(new AttackRequested(1, "r", "../../etc", null, "fgsm", none, image(0f), 1, null, null, false, "t", 0)))
                .isEqualTo(RejectReason.UNKNOWN_MODEL);
        assertThat(reason(new AttackRequested(1, "r", "Digits", null, "fgsm", none, image(0f), 1, null, null, false, "t", 0)))
                .isEqualTo(RejectReason.UNKNOWN_MODEL);
        assertThat(reason(new AttackRequested(1, "r", "m", "version:x", "fgsm", none, image(0f), 1, null, null, false, "t", 0)))
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(new AttackRequested(1, "r", "m", "version:0", "fgsm", none, image(0f), 1, null, null, false, "t", 0)))
                .isEqualTo(RejectReason.INVALID_VALUE);
        assertThat(reason(new AttackRequested(1, "r", "m", null, "fgsm", none, image(0f), 1, null, "x/y", false, "t", 0)))
                .isEqualTo(RejectReason.UNKNOWN_MODEL);
        assertThatThrownBy(() -> ModelRef.parseSource("m:")).isInstanceOf(InvalidEventException.class);
    }

    @Test
    void theExampleRequestsAreValid() throws Exception {
        Path examples = io.quorum.testing.ServiceLauncher.repositoryRoot().resolve("examples/attacks.jsonl");
        RequestChecks all = new RequestChecks(AttackCatalog.standard(), data, 1000, 100_000);
        java.util.List<String> lines = Files.readAllLines(examples);
        assertThat(lines).hasSizeGreaterThanOrEqualTo(5);
        java.util.Set<Job.Mode> modes = new java.util.HashSet<>();
        for (String line : lines) {
            Job j = all.check(new InRecord("quorum.attacks.requested", 0, 0, null, line.getBytes(StandardCharsets.UTF_8), 0));
            modes.add(j.mode());
            if (j.image() != null) {
                assertThat(j.request().image().width() * j.request().image().height()).isEqualTo(784);
            }
        }
        assertThat(modes).containsExactlyInAnyOrder(Job.Mode.values());
    }

    String message(AttackRequested r) {
        try {
            check(r);
        } catch (InvalidEventException e) {
            return e.getMessage();
        }
        throw new AssertionError("accepted");
    }
}
