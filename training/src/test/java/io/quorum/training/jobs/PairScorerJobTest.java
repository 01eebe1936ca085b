package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.training.api.JobCancelledException;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pair-scorer job in process: trains in seconds on generated pairs, exports exactly, calibrates. */
class PairScorerJobTest {

    @TempDir
    Path work;

    private LocalJobContext ctx(Map<String, String> params, long seed) {
        return new LocalJobContext("test-job", params, seed, io.quorum.shared.data.DataDir.root(), work, line -> { });
    }

    @Test
    void trainsExportsAndCalibratesOnGeneratedPairs() throws Exception {
        for (long seed : new long[] {7, 42}) {
            LocalJobContext ctx = ctx(Map.of("n", "800", "dim", "8", "hidden", "16", "epochs", "8"), seed);
            TrainedModel m = new PairScorerJob(List.of()).run(ctx);
            System.out.println("seed " + seed + ": " + m.metrics());
            assertThat(m.parity()).isLessThanOrEqualTo(1e-4);
            assertThat(m.metrics().get("accuracy")).isGreaterThan(0.75);
            assertThat(m.metrics().get("logloss")).isLessThan(0.6);
            assertThat(m.metrics().get("auc")).isGreaterThan(0.85);
            try (OnnxSession s = OnnxSession.open(m.onnx(), InferenceOptions.cpu(1))) {
                PairScorerSpec.check(s, null);
                assertThat(Double.parseDouble(s.metadata().get(PairScorerSpec.META_THRESHOLD)))
                        .isEqualTo(m.metrics().get("threshold"));
            }
            assertThat(ctx.progress()).isNotEmpty();
        }
    }

    @Test
    void variantsOfTheSeedArchitectureTrain() throws Exception {
        for (Map<String, String> variant : List.of(
                Map.of("depth", "2", "residual", "false", "concat", "false", "bn", "none"),
                Map.of("bn", "after", "dropout", "0.2"),
                Map.of("distance", "cosine"),
                Map.of("head", "features"))) {
            var params = new java.util.HashMap<>(Map.of("n", "600", "dim", "8", "hidden", "16", "epochs", "4"));
            params.putAll(variant);
            TrainedModel m = new PairScorerJob(List.of()).run(ctx(params, 3));
            assertThat(m.parity()).as(variant.toString()).isLessThanOrEqualTo(1e-4);
            assertThat(m.metrics().get("accuracy")).as(variant.toString()).isGreaterThan(0.6);
            assertThat(m.properties().get("architecture")).contains(variant.values().iterator().next());
        }
    }

    @Test
    void exportsExactlyOnRealSentenceEmbeddings() throws Exception {
        // MiniLM vectors of real MRPC sentences through both heads: the export must stay within the 1e-4 parity bound
        var mrpc = io.quorum.testing.TestData.require("mrpc/msr_paraphrase_train.txt");
        var local = new io.quorum.training.data.LocalEmbedders(io.quorum.shared.data.DataDir.root(), work.resolve("cache"),
                io.quorum.shared.inference.InferenceOptions.cpu(2), 42);
        var source = new io.quorum.training.data.TextPairSource(local, work.resolve("vectors"), work.resolve("labeled.jsonl"));
        for (String head : List.of("features", "distance")) {
            TrainedModel m = new PairScorerJob(List.of(source)).run(ctx(Map.of("data", mrpc.toString(), "rows", "800",
                    "embedder", "minilm", "head", head, "epochs", "4"), 3));
            assertThat(m.parity()).as(head + " head parity").isLessThanOrEqualTo(1e-4);
            assertThat(m.properties()).containsEntry(PairScorerSpec.META_EMBEDDER, "minilm");
        }
    }

    @Test
    void cancellationAndBadParametersStopTheJob() {
        LocalJobContext ctx = ctx(Map.of("n", "5000", "epochs", "100"), 1);
        ctx.cancel();
        assertThatThrownBy(() -> new PairScorerJob(List.of()).run(ctx)).isInstanceOf(JobCancelledException.class);
        assertThatThrownBy(() -> new PairScorerJob(List.of()).run(ctx(Map.of("bn", "sideways"), 1)))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("bn must be one of");
        assertThatThrownBy(() -> new PairScorerJob(List.of()).run(ctx(Map.of("data", "x.tsv"), 1)))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("x.tsv");
    }
}
