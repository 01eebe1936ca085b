package io.quorum.ablation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./quorum ablation pairs} on a slice of MRPC: rows, folds, parameter pass-through and both reports. */
class AblationMainTest {

    @TempDir
    Path out;

    private Map<String, String> opts(String only, String... more) {
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("data", TestData.require("mrpc/msr_paraphrase_train.txt").toString(),
                "only", only, "folds", "2", "rows", "400", "epochs", "2", "out", out.toString(), "threads", "1"));
        for (int i = 0; i < more.length; i += 2) {
            o.put(more[i], more[i + 1]);
        }
        return o;
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSiameseRowIsCrossValidatedAndReportedAsJsonAndMarkdown() throws Exception {
        Map<String, Object> report = AblationMain.run(opts("2 layers net", "extra", "dropout=0.1"));

        List<Map<String, Object>> rows = (List<Map<String, Object>>) report.get("results");
        assertThat(rows).hasSize(1);
        Map<String, Object> row = rows.get(0);
        assertThat(row.get("configuration")).isEqualTo("2 layers net");
        // the extra parameter is merged into the row's job parameters (the ones the folds run with) and recorded
        assertThat((Map<String, String>) row.get("params")).containsEntry("dropout", "0.1").containsEntry("depth", "2");
        List<Map<String, Double>> folds = (List<Map<String, Double>>) row.get("folds");
        assertThat(folds).hasSize(2);
        for (Map<String, Double> fold : folds) {
            assertThat(fold.get("accuracy")).isBetween(0.0, 1.0);
            assertThat(fold.get("auc")).isBetween(0.0, 1.0);
        }
        Map<String, Double> accuracy = (Map<String, Double>) row.get("accuracy");
        assertThat(accuracy.get("mean")).isCloseTo((folds.get(0).get("accuracy") + folds.get(1).get("accuracy")) / 2,
                org.assertj.core.data.Offset.offset(1e-12));
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("ablation-")))
                    .anyMatch(n -> n.endsWith(".json")).anyMatch(n -> n.endsWith(".md"));
        }
        assertThat((String) report.get("markdown")).contains("| B | 2 layers net | 0.67 |");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aRunSplitByFoldIsCompletedByResumingItsCheckpoints() throws Exception {
        Map<String, Object> second = AblationMain.run(opts("2 layers net", "fold", "2"));
        Map<String, Object> partial = ((List<Map<String, Object>>) second.get("results")).get(0);
        assertThat(partial).containsEntry("partial", true).containsEntry("foldsDone", List.of(2));
        assertThat((List<?>) partial.get("folds")).hasSize(1);
        assertThat((String) second.get("markdown")).contains("2 layers net *(folds [2] of 2 only)*");
        Map<String, Double> fold2 = ((List<Map<String, Double>>) partial.get("folds")).get(0);

        Map<String, Object> whole = ((List<Map<String, Object>>) AblationMain.run(opts("2 layers net", "resume", "true"))
                .get("results")).get(0);
        assertThat(whole).doesNotContainKey("partial").containsEntry("foldsFromCheckpoint", 1);
        List<Map<String, Double>> folds = (List<Map<String, Double>>) whole.get("folds");
        assertThat(folds).hasSize(2);
        assertThat(folds.get(1)).isEqualTo(fold2); // read back, in fold order
        assertThat(folds.get(0).get("accuracy")).isBetween(0.0, 1.0);

        // other parameters are another fold: nothing is reused
        Map<String, Object> other = ((List<Map<String, Object>>) AblationMain.run(opts("2 layers net", "resume", "true",
                "fold", "2", "extra", "dropout=0.1")).get("results")).get(0);
        assertThat(other).doesNotContainKey("foldsFromCheckpoint");
    }

    @Test
    void foldSelectionIsOneBasedAndChecked() {
        assertThat(AblationMain.foldSelection(null, 3)).containsExactly(1, 2, 3);
        assertThat(AblationMain.foldSelection("3, 1", 5)).containsExactly(1, 3);
        assertThatThrownBy(() -> AblationMain.foldSelection("0", 5)).hasMessageContaining("not in 1..5");
        assertThatThrownBy(() -> AblationMain.foldSelection("x", 5)).hasMessageContaining("comma-separated");
    }

    @Test
    void textExtraReachesTheTextJobsAndTheyCheckIt() {
        assertThatThrownBy(() -> AblationMain.run(opts("pair-aligner", "text-extra", "no-such-parameter=1")))
                .hasMessageContaining("no-such-parameter");
    }

    @Test
    void anOnlyThatSelectsNoRowIsAnError() {
        assertThatThrownBy(() -> AblationMain.run(opts("no such row"))).hasMessageContaining("selects no row");
    }
}
