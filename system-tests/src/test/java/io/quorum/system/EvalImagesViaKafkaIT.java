package io.quorum.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quorum.cli.QuorumCli;
import io.quorum.faces.scorer.ImageScorerModel;
import io.quorum.shared.events.Lineage;
import io.quorum.shared.files.TempDir;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.shared.model.ModelPublisher;
import io.quorum.shared.model.RegistryState;
import io.quorum.testing.ServiceLauncher;
import io.quorum.testing.TestData;
import io.quorum.testing.TestKafka;
import io.quorum.testing.TestRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code eval images --via-kafka} against the packaged image-scoring service as its own JVM: real MEBeauty photos go
 * through {@code quorum.images} as raw bytes and come back scored; the figures equal the in-process evaluation of the
 * same model on the same photos (same decoder, detector, aligner and graph), for the authors' crops and for the raw
 * photos (detection and alignment in the service).
 */
class EvalImagesViaKafkaIT {

    private static final String MODEL = "sys-image-scorer-" + UUID.randomUUID().toString().substring(0, 8);
    private static ServiceLauncher service;
    private static Path modelFile;
    private static TempDir tmp;

    @BeforeAll
    static void start() throws Exception {
        tmp = TempDir.create("eval-images-it-");
        modelFile = tmp.resolve("model.onnx");
        Files.write(modelFile, ImageScorerModel.fromHead(ServiceLauncher.repositoryRoot()
                .resolve("models/image-scorer-default").resolve(ImageScorerModel.HEAD_FILE), Map.of(
                ImageScorerSpec.META_SCALE_MIN, "1", ImageScorerSpec.META_SCALE_MAX, "10")));
        TestRegistry.publisher().publish(new ModelPublisher.Request(MODEL, modelFile, null, Map.of("plcc", 0.67),
                new Lineage(null, "test", "mebeauty", null, "test", 0L), Map.of(), RegistryState.ALIAS_CHAMPION));
        service = ServiceLauncher.start("image-scoring", List.of("-Xmx768m"), Map.of("quorum.image-scoring.model", MODEL));
        await().atMost(Duration.ofSeconds(180)).until(() -> service.httpStatus("/q/health/ready") == 200);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (tmp != null) {
            tmp.close();
        }
    }

    @Test
    void throughTheServiceTheFiguresAreTheInProcessOnes() throws Exception {
        Path base = TestData.require("mebeauty/scores/val_2022.txt").getParent().getParent();
        for (boolean raw : new boolean[] {false, true}) {
            List<String> args = new ArrayList<>(List.of("eval", "images", "--scores",
                    base.resolve("scores/val_2022.txt").toString(), "--images", base.toString(), "--limit", "12"));
            if (raw) {
                args.add("--raw");
            }
            Map<String, Object> local = run(args, "--model-file", modelFile.toString());
            Map<String, Object> kafka = run(args, "--via-kafka", "--bootstrap", TestKafka.bootstrapServers(), "--timeout", "120");
            assertThat(kafka.get("model")).isEqualTo(MODEL + " v1");
            assertThat(kafka.get("raw")).isEqualTo(raw);
            assertThat(kafka.get("n")).isEqualTo(local.get("n"));
            assertThat((int) kafka.get("n")).as("raw=" + raw).isGreaterThanOrEqualTo(11);
            for (String k : List.of("plcc", "srcc", "mae", "rmse")) {
                assertThat((double) kafka.get(k)).as(k + " raw=" + raw).isCloseTo((double) local.get(k),
                        org.assertj.core.data.Offset.offset(1e-4));
            }
            assertThat(kafka.get("refused")).isEqualTo(local.get("refused"));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> run(List<String> args, String... more) throws Exception {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        PrintStream out = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = new picocli.CommandLine(new QuorumCli()).execute(all.toArray(String[]::new));
        } finally {
            System.setOut(out);
        }
        assertThat(rc).as(String.join(" ", all)).isZero();
        return Json.mapper().readValue(buf.toString(StandardCharsets.UTF_8), Map.class);
    }
}
