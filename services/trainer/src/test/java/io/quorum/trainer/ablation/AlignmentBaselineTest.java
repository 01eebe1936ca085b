package io.quorum.trainer.ablation;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.testing.TestData;
import io.quorum.text.MiniLmEmbedder;
import io.quorum.trainer.data.LocalEmbedders;
import io.quorum.trainer.data.TextPairSource;
import io.quorum.trainer.jobs.LocalJobContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ablation's token-alignment row on a real MRPC slice: DL4J logistic regression on the pair features. */
class AlignmentBaselineTest {

    @TempDir
    Path work;

    @Test
    void learnsFromTokenAlignmentOnRealPairs() throws Exception {
        Path mrpc = TestData.require("mrpc/msr_paraphrase_train.txt");
        LocalEmbedders local = new LocalEmbedders(DataDir.root(), work.resolve("cache"), InferenceOptions.cpu(2), 42);
        TextPairSource source = new TextPairSource(local, work.resolve("vectors"), work.resolve("labeled.jsonl"));
        try (var minilm = local.resolve("minilm", null, List.of())) {
            AlignmentBaseline baseline = new AlignmentBaseline((MiniLmEmbedder) minilm.embedder());
            Map<String, String> params = Map.of("data", mrpc.toString(), "rows", "600", "fold", "0", "folds", "3");
            LocalJobContext ctx = new LocalJobContext("t", params, 42, DataDir.root(), work, line -> { });
            var pairs = source.read(mrpc.toString(), ctx, new LinkedHashMap<>());
            Map<String, Double> m = baseline.run(pairs, ctx);
            assertThat(m.get("n")).isEqualTo(200.0);
            assertThat(m.get("features")).isEqualTo(23.0);
            // the majority class of this slice's validation fold is 0.645; alignment features go well beyond it
            assertThat(m.get("auc")).isGreaterThan(0.75);
            assertThat(m.get("accuracy")).isGreaterThan(0.70);
            assertThat(m.get("logloss")).isLessThan(0.6);
            // a second fold reuses the alignments and gives its own, different validation rows
            LocalJobContext ctx1 = new LocalJobContext("t", Map.of("data", mrpc.toString(), "rows", "600", "fold", "1",
                    "folds", "3"), 42, DataDir.root(), work, line -> { });
            assertThat(baseline.run(pairs, ctx1).get("accuracy")).isNotEqualTo(Double.NaN);
        }
    }
}
