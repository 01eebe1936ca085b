package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.events.ModelPublished;
import io.quorum.shared.inference.FloatTensor;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.testing.TestData;
import io.quorum.text.PairAlignment;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.data.LocalEmbedders;
import io.quorum.training.data.TextPairSource;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pair-aligner job on a real MRPC slice: DL4J logistic regression on alignment features, exported to ONNX. */
class PairAlignerJobTest {

    @TempDir
    Path work;

    private LocalJobContext ctx(Map<String, String> params) {
        return new LocalJobContext("t", params, 42, DataDir.root(), work, line -> { });
    }

    @Test
    void learnsFromTokenAlignmentAndExportsAServableModel() throws Exception {
        Path mrpc = TestData.require("mrpc/msr_paraphrase_train.txt");
        LocalEmbedders local = new LocalEmbedders(DataDir.root(), work.resolve("cache"), InferenceOptions.cpu(2), 42);
        TextPairSource source = new TextPairSource(local, work.resolve("vectors"), work.resolve("labeled.jsonl"));
        PairAlignerJob job = new PairAlignerJob(source, local);
        TrainedModel m = job.run(ctx(Map.of("data", mrpc.toString(), "rows", "600", "fold", "0", "folds", "3")));
        Map<String, Double> metrics = m.metrics();
        assertThat(metrics.get("n")).isEqualTo(200.0);
        // the majority class of this slice's validation fold is 0.645; alignment features go well beyond it
        assertThat(metrics.get("auc")).isGreaterThan(0.75);
        assertThat(metrics.get("accuracy")).isGreaterThan(0.70);
        assertThat(metrics.get("logloss")).isLessThan(0.6);
        assertThat(m.parity()).isLessThanOrEqualTo(1e-5);
        assertThat(m.modelName()).isEqualTo(PairAlignerSpec.MODEL_NAME);
        assertThat(m.properties()).containsEntry(PairAlignerSpec.META_FEATURES, PairAlignment.FEATURE_SET)
                .containsEntry(PairScorerSpec.META_EMBEDDER, "minilm");

        // the export takes raw features (standardisation folded in) and passes the service's contract checks
        try (OnnxSession s = OnnxSession.open(m.onnx(), InferenceOptions.cpu(1))) {
            PairAlignerSpec.check(s, (ModelPublished) null);
            assertThat(PairAlignerSpec.features(s.signature())).isEqualTo(PairAlignment.NAMES.size());
            assertThat(s.metadata().get(PairScorerSpec.META_THRESHOLD)).isEqualTo(m.properties().get(PairScorerSpec.META_THRESHOLD));
            try (var minilm = local.resolve("minilm", null, java.util.List.of())) {
                float[][] f = PairAlignment.features((io.quorum.text.MiniLmEmbedder) minilm.embedder(),
                        java.util.List.of("The company paid $2.5 billion for the chain in 1998.", "How do I learn Java?"),
                        java.util.List.of("In 1998 the company bought the chain for $2.5 billion.", "Where is the nearest bakery?"));
                float[] p = s.runFloat(Map.of(PairAlignerSpec.INPUT, FloatTensor.of(concat(f), 2, f[0].length)),
                        PairAlignerSpec.OUTPUT).data();
                assertThat(p[0]).as("paraphrase").isGreaterThan(0.5f);
                assertThat(p[1]).as("unrelated").isLessThan(0.5f);
            }
        }

        // a second fold reuses the features of the first run
        TrainedModel other = job.run(ctx(Map.of("data", mrpc.toString(), "rows", "600", "fold", "1", "folds", "3")));
        assertThat(other.metrics().get("accuracy")).isGreaterThan(0.65);
    }

    @Test
    void refusesWhatItCannotTrainOn() {
        PairAlignerJob job = new PairAlignerJob(new TextPairSource(new LocalEmbedders(DataDir.root(), work, InferenceOptions.cpu(1), 1),
                work.resolve("v"), work.resolve("l.jsonl")), new LocalEmbedders(DataDir.root(), work, InferenceOptions.cpu(1), 1));
        assertThatThrownBy(() -> job.run(ctx(Map.of()))).isInstanceOf(JobFailedException.class).hasMessageContaining("needs data");
        assertThatThrownBy(() -> job.run(ctx(Map.of("data", "x.tsv", "embedder", "tfidf-w2v"))))
                .isInstanceOf(JobFailedException.class);
        assertThatThrownBy(() -> job.run(ctx(Map.of("data", "x.tsv", "depth", "3"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("depth");
    }

    private static float[] concat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[i].length, rows[i].length);
        }
        return out;
    }
}
