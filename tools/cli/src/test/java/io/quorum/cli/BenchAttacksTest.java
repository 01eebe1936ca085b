package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The in-process half of {@code bench attacks} runs on its own, on a real small model, and keeps its JSON (also where
 * {@code --results} says).
 */
class BenchAttacksTest {

    @Test
    void inProcessBenchmarkReportsRatesAndKeepsTheJson(@TempDir Path runtime) throws Exception {
        EvalDigitsTest.Run r = EvalDigitsTest.cli("bench", "attacks", "--model-dir", DigitsTestModel.modelDir().toString(),
                "--data", DigitsTestModel.heldOut()[0] + "|" + DigitsTestModel.heldOut()[1], "--images", "100",
                "--seconds", "0.5", "--genetic-images", "4", "--genetic-max-queries", "200", "--runtime", runtime.toString(),
                "--results", runtime.resolve("docs/bench-attacks.json").toString(), "--note", "a test run");
        JsonNode j = r.json();
        assertThat(j.get("benchmark").asText()).isEqualTo("attacks");
        assertThat(j.get("images").asInt()).isEqualTo(100);
        assertThat(j.at("/inProcess/fgsm/adversarialsPerSecond").asDouble()).isPositive();
        double pgd = j.at("/inProcess/pgd10/adversarialsPerSecond").asDouble();
        assertThat(pgd).isPositive().isLessThan(j.at("/inProcess/fgsm/adversarialsPerSecond").asDouble());
        assertThat(j.at("/inProcess/genetic/queriesPerSecond").asDouble()).isPositive();
        assertThat(j.at("/inProcess/genetic/queries").asLong()).isBetween(4L, 800L);
        assertThat(j.get("service").asText()).startsWith("not run");
        assertThat(j.get("command").asText()).isEqualTo("./quorum bench attacks --images 100");
        assertThat(j.get("note").asText()).isEqualTo("a test run");
        assertThat(Json.mapper().readTree(runtime.resolve("docs/bench-attacks.json").toFile())).isEqualTo(j);
        try (Stream<Path> files = Files.list(runtime.resolve("bench"))) {
            assertThat(files.map(f -> f.getFileName().toString())).singleElement().asString().startsWith("attacks-").endsWith(".json");
        }
    }
}
