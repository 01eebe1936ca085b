package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code eval digits} in process on a real small model (trained here with DL4J, exported as the trainer does). */
class EvalDigitsTest {

    record Run(int rc, String out, String err) {
        JsonNode json() throws Exception {
            assertThat(rc).as(out + err).isZero();
            return Json.mapper().readTree(out);
        }
    }

    static Run cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            rc = new CommandLine(new QuorumCli()).execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        String errText = e.toString(StandardCharsets.UTF_8);
        err.print(errText);
        return new Run(rc, o.toString(StandardCharsets.UTF_8), errText);
    }

    private static List<String> base(int limit) {
        Path[] data = DigitsTestModel.heldOut();
        return new ArrayList<>(List.of("eval", "digits", "--images", data[0].toString(), "--labels", data[1].toString(),
                "--model-dir", DigitsTestModel.modelDir().toString(), "--limit", Integer.toString(limit)));
    }

    @Test
    void fgsmLowersAccuracyAndThePicturesAreWritten(@TempDir Path pictures) throws Exception {
        List<String> args = base(200);
        args.addAll(List.of("--attack", "fgsm", "--eps", "0.3", "--pictures", pictures.toString()));
        JsonNode j = cli(args.toArray(String[]::new)).json();
        assertThat(j.get("n").asInt()).isEqualTo(200);
        assertThat(j.get("attack").asText()).isEqualTo("fgsm");
        assertThat(j.get("eps").asDouble()).isEqualTo(0.3);
        double clean = j.get("accuracy").asDouble();
        double adv = j.get("adversarialAccuracy").asDouble();
        assertThat(clean).as("clean accuracy of the small MLP").isGreaterThan(0.8);
        assertThat(adv).as("FGSM eps 0.3 lowers accuracy").isLessThan(clean - 0.4);
        assertThat(j.get("successRate").asDouble()).isGreaterThanOrEqualTo(1 - adv - 1e-9);
        assertThat(j.get("meanLinf").asDouble()).isBetween(0.29, 0.3 + 1e-6);
        assertThat(j.get("meanQueries").asDouble()).isEqualTo(1.0);
        assertThat(j.has("queriesPerSuccess")).as("white-box: no queries per success").isFalse();
        assertThat(j.get("path").asText()).startsWith("in-process");
        assertThat(j.get("seconds").asDouble()).isPositive();

        List<String> files = new ArrayList<>();
        j.get("pictures").forEach(f -> files.add(f.asText()));
        assertThat(files).extracting(f -> Path.of(f).getFileName().toString()).containsExactly("fgsm-eps0.3-grid.png",
                "fgsm-eps0.3-tsne-clean.png", "fgsm-eps0.3-tsne-adversarial.png", "fgsm-eps0.3-tsne-both.png");
        for (String f : files) {
            assertThat(ImageIO.read(Path.of(f).toFile())).as(f).isNotNull();
        }
        assertThat(ImageIO.read(pictures.resolve("fgsm-eps0.3-tsne-both.png").toFile()).getWidth()).isEqualTo(900);
        if (System.getenv("QUORUM_KEEP_PICTURES") != null) { // for a look at them
            Path keep = Path.of(System.getenv("QUORUM_KEEP_PICTURES"));
            Files.createDirectories(keep);
            for (String f : files) {
                Files.copy(Path.of(f), keep.resolve(Path.of(f).getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void pgdIsAtLeastAsStrongAsFgsmAndCleanOnlyHasNoAttackFields() throws Exception {
        List<String> args = base(100);
        JsonNode clean = cli(args.toArray(String[]::new)).json();
        assertThat(clean.get("n").asInt()).isEqualTo(100);
        assertThat(clean.has("attack")).isFalse();
        assertThat(clean.has("adversarialAccuracy")).isFalse();
        args.addAll(List.of("--attack", "pgd", "--eps", "0.1", "--steps", "10"));
        JsonNode pgd = cli(args.toArray(String[]::new)).json();
        List<String> fargs = base(100);
        fargs.addAll(List.of("--attack", "fgsm", "--eps", "0.1"));
        JsonNode fgsm = cli(fargs.toArray(String[]::new)).json();
        assertThat(pgd.get("accuracy").asDouble()).isEqualTo(clean.get("accuracy").asDouble());
        assertThat(pgd.get("adversarialAccuracy").asDouble()).isLessThanOrEqualTo(fgsm.get("adversarialAccuracy").asDouble());
        assertThat(pgd.get("meanLinf").asDouble()).isLessThanOrEqualTo(0.1 + 1e-6);
        assertThat(pgd.get("meanQueries").asDouble()).isEqualTo(10.0);
        assertThat(pgd.get("params").get("steps").asText()).isEqualTo("10");
    }

    @Test
    void geneticReportsQueriesWithinTheBudget() throws Exception {
        List<String> args = base(20);
        args.addAll(List.of("--attack", "genetic", "--eps", "0.3", "-P", "max-queries=500", "-P", "generations=500"));
        JsonNode j = cli(args.toArray(String[]::new)).json();
        assertThat(j.get("meanQueries").asDouble()).isBetween(1.0, 500.0);
        assertThat(j.get("successRate").asDouble()).isGreaterThan(0.5);
        assertThat(j.get("queriesPerSuccess").asDouble()).isBetween(1.0, 500.0);
        assertThat(j.get("adversarialAccuracy").asDouble()).isLessThan(j.get("accuracy").asDouble());
        assertThat(j.get("meanLinf").asDouble()).isLessThanOrEqualTo(0.3 + 1e-6);
    }

    @Test
    void transferFromASourceModelIsScoredOnTheTarget() throws Exception {
        List<String> plain = base(60);
        plain.addAll(List.of("--attack", "fgsm", "--eps", "0.2"));
        JsonNode direct = cli(plain.toArray(String[]::new)).json();
        List<String> transfer = new ArrayList<>(plain);
        transfer.addAll(List.of("--source-model-dir", DigitsTestModel.modelDir().toString()));
        JsonNode t = cli(transfer.toArray(String[]::new)).json();
        assertThat(t.get("sourceModel").asText()).isEqualTo(DigitsTestModel.modelDir().toString());
        // crafted on the same weights: the same adversarials, the same figures
        assertThat(t.get("adversarialAccuracy").asDouble()).isEqualTo(direct.get("adversarialAccuracy").asDouble());
        assertThat(direct.has("sourceModel")).isFalse();
    }

    @Test
    void aModelWithoutAGradientGraphIsOnlyAttackedAsABlackBox(@TempDir Path dir) throws Exception {
        Files.copy(DigitsTestModel.modelDir().resolve("model.onnx"), dir.resolve("model.onnx"));
        Path[] data = DigitsTestModel.heldOut();
        List<String> a = new ArrayList<>(List.of("eval", "digits", "--images", data[0].toString(), "--labels", data[1].toString(),
                "--model-dir", dir.toString(), "--limit", "10", "--attack", "fgsm"));
        Run r = cli(a.toArray(String[]::new));
        assertThat(r.rc()).isNotZero();
        assertThat(r.err()).contains("needs gradient.onnx").contains("attack it with genetic");
        a.set(a.indexOf("fgsm"), "genetic");
        a.addAll(List.of("-P", "max-queries=200"));
        assertThat(cli(a.toArray(String[]::new)).json().get("meanQueries").asDouble()).isBetween(1.0, 200.0);
    }
}
