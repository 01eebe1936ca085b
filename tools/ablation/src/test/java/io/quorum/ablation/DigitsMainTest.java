package io.quorum.ablation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./quorum ablation digits} on a slice of MNIST: rows, the pre-generated FGSM set, transfer, reports, resume. */
class DigitsMainTest {

    @TempDir
    Path out;

    @Test
    @SuppressWarnings("unchecked")
    void twoModelsAreTrainedAttackedAndCrossEvaluated() throws Exception {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
        Path result = out.resolve("result/digits.json");
        Map<String, String> opts = new java.util.LinkedHashMap<>(Map.of("data", "mnist", "only", "cleverhans,cleverhans-seed7",
                "extra", "rows=300 epochs=1 batch=32", "robust-n", "40", "robust-steps", "2", "out", out.toString(),
                "result", result.toString()));
        opts.put("genetic-n", "4");
        Map<String, Object> report = DigitsMain.run(opts);

        List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("rows");
        assertThat(rows).extracting(r -> r.get("name")).containsExactly("cleverhans", "cleverhans-seed7");
        assertThat((Map<String, Object>) rows.get(0).get("metrics")).containsKeys("accuracy", "fgsm_0.3_accuracy",
                "pgd_0.1_accuracy", "pgd_0.3_accuracy", "train_seconds");
        assertThat((Map<String, String>) rows.get(0).get("params")).containsEntry("rows", "300").containsEntry("arch", "cleverhans");
        Map<String, Object> cross = (Map<String, Object>) report.get("cross");
        Map<String, Object> pre = (Map<String, Object>) cross.get("pregeneratedFgsm");
        assertThat((Map<String, Double>) pre.get("accuracy")).containsOnlyKeys("cleverhans", "cleverhans-seed7");
        // the pre-generated set on its own source is the white-box FGSM figure
        Map<String, Map<String, Double>> transfer = (Map<String, Map<String, Double>>) cross.get("transfer_fgsm_0.3");
        assertThat(((Map<String, Double>) pre.get("accuracy")).get("cleverhans")).isEqualTo(transfer.get("cleverhans").get("cleverhans"));
        assertThat(transfer.get("cleverhans-seed7")).containsOnlyKeys("cleverhans", "cleverhans-seed7");
        assertThat((Map<String, Object>) cross.get("transfer_pgd_0.3")).hasSize(2);
        Map<String, Object> genetic = (Map<String, Object>) cross.get("genetic_0.3");
        assertThat(genetic).containsEntry("images", 4);
        Map<String, Object> byModel = (Map<String, Object>) genetic.get("models");
        assertThat(byModel).containsOnlyKeys("cleverhans", "cleverhans-seed7");
        Map<String, Number> g = (Map<String, Number>) byModel.get("cleverhans");
        assertThat(g.get("successRate").doubleValue()).isBetween(0.0, 1.0);
        assertThat(g.get("meanLinf").doubleValue()).isLessThanOrEqualTo(0.3 + 1e-6);
        assertThat(g.get("queriesPerSecond").doubleValue()).isPositive();
        assertThat(out.resolve("mnist/heldout/validation-images-idx3-ubyte.gz")).exists();
        assertThat((String) report.get("markdown")).contains("| cleverhans | clean 0.98, FGSM 0.3 on itself 0.09 |",
                "| made on \\ scored on | cleverhans | cleverhans-seed7 |");
        assertThat(Files.readString(result)).doesNotContain(out.toString()).contains("\"dataRef\" : \"mnist: $QUORUM_DATA_DIR/mnist/");
        Path model = out.resolve("mnist/models/cleverhans");
        assertThat(model.resolve("model.onnx")).exists();
        assertThat(model.resolve("gradient.onnx")).exists();
        assertThat(Files.readString(model.resolve("model-card.json"))).contains("CC BY-SA 3.0", "\"pgd_0.1_accuracy\"");
        assertThat(out.resolve("mnist/adversarial/fgsm-0.3-on-cleverhans-validation-images-idx3-ubyte.gz")).exists();

        // a rerun with --resume reuses the trained rows
        opts.put("resume", "true");
        opts.put("only", "cleverhans");
        Map<String, Object> again = DigitsMain.run(opts);
        assertThat(((List<Map<String, Object>>) again.get("rows")).get(0).get("metrics")).isEqualTo(rows.get(0).get("metrics"));
        assertThatThrownBy(() -> DigitsMain.run(Map.of("only", "nope", "out", out.toString()))).hasMessageContaining("selects no row");
    }
}
