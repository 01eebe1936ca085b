package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.Hashing;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
import io.quorum.testing.TestData;
import io.quorum.text.Embedders;
import io.quorum.text.MiniLmEmbedder;
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

/** The minilm-siamese job on a real MRPC slice: a tuned encoder and its cosine head, published together. */
class MiniLmSiameseJobTest {

    @TempDir
    Path work;

    private LocalJobContext ctx(Map<String, String> params) {
        return new LocalJobContext("t", params, 42, DataDir.root(), work, line -> { });
    }

    private MiniLmSiameseJob job() {
        LocalEmbedders local = new LocalEmbedders(DataDir.root(), work.resolve("cache"), InferenceOptions.cpu(2), 42);
        return new MiniLmSiameseJob(new TextPairSource(local, work.resolve("vectors"), work.resolve("labeled.jsonl")), local);
    }

    @Test
    void publishesTheTunedEncoderWithItsHead() throws Exception {
        Path mrpc = TestData.require("mrpc/msr_paraphrase_train.txt");
        TrainedModel head = job().run(ctx(Map.of("data", mrpc.toString(), "rows", "160", "fold", "0", "folds", "4",
                "layers", "1", "epochs", "1", "batch", "8")));
        assertThat(head.modelName()).isEqualTo(MiniLmSiameseJob.DEFAULT_MODEL);
        assertThat(head.metrics().get("n")).isEqualTo(40.0);
        assertThat(head.metrics().values()).allMatch(Double::isFinite);
        // the majority class of this fold is below 0.7; a cosine of MiniLM vectors already ranks pairs well
        assertThat(head.metrics().get("auc")).isGreaterThan(0.7);
        assertThat(head.parity()).isLessThanOrEqualTo(1e-5);

        assertThat(head.companions()).hasSize(1);
        TrainedModel encoder = head.companions().get(0);
        assertThat(encoder.modelName()).isEqualTo(MiniLmSiameseJob.DEFAULT_ENCODER);
        assertThat(encoder.properties()).containsEntry(Embedders.META_KIND, MiniLmEmbedder.KIND);
        assertThat(encoder.extraArtifacts()).containsKey(MiniLmEmbedder.TOKENIZER_FILE);
        assertThat(encoder.parity()).isLessThanOrEqualTo(1e-5);

        try (OnnxSession s = OnnxSession.open(head.onnx(), InferenceOptions.cpu(1))) {
            PairScorerSpec.check(s, null);
            assertThat(s.metadata()).containsEntry(PairScorerSpec.META_EMBEDDER, MiniLmSiameseJob.DEFAULT_ENCODER)
                    .containsEntry(PairScorerSpec.META_EMBEDDER_SHA256, Hashing.sha256(encoder.onnx()))
                    .containsEntry(PairScorerSpec.META_THRESHOLD, head.properties().get(PairScorerSpec.META_THRESHOLD));
        }
    }

    @Test
    void theAlignHeadIsFittedOnPairsFineTuningNeverSaw() throws Exception {
        Path mrpc = TestData.require("mrpc/msr_paraphrase_train.txt");
        TrainedModel head = job().run(ctx(Map.of("data", mrpc.toString(), "rows", "200", "fold", "0", "folds", "4",
                "layers", "1", "epochs", "1", "batch", "8", "head", "align")));
        assertThat(head.modelName()).isEqualTo(MiniLmSiameseJob.DEFAULT_ALIGN_MODEL);
        // 150 non-validation rows: 20% (30) fit the head, the other 120 fine-tune the encoder
        assertThat(head.metrics()).containsEntry("n", 50.0).containsEntry("head_pairs", 30.0).containsEntry("train_pairs", 120.0);
        assertThat(head.metrics().values()).allMatch(Double::isFinite);
        assertThat(head.metrics().get("auc")).isGreaterThan(0.7);
        assertThat(head.parity()).isLessThanOrEqualTo(1e-5);
        // published with it: the encoder, and the cosine head (duplicate search, pairs without features)
        assertThat(head.companions()).extracting(TrainedModel::modelName)
                .containsExactly(MiniLmSiameseJob.DEFAULT_ENCODER, MiniLmSiameseJob.DEFAULT_MODEL);
        TrainedModel encoder = head.companions().get(0);
        TrainedModel cosine = head.companions().get(1);
        assertThat(cosine.metrics()).containsEntry("n", 50.0);
        assertThat(cosine.parity()).isLessThanOrEqualTo(1e-5);
        try (OnnxSession e = OnnxSession.open(encoder.onnx(), InferenceOptions.cpu(1));
             OnnxSession c = OnnxSession.open(cosine.onnx(), InferenceOptions.cpu(1));
             OnnxSession s = OnnxSession.open(head.onnx(), InferenceOptions.cpu(1))) {
            PairScorerSpec.check(c, null);
            assertThat(c.metadata()).containsEntry(PairScorerSpec.META_EMBEDDER_SHA256, Hashing.sha256(encoder.onnx()));
            assertThat(e.signature().output(MiniLmEmbedder.TOKEN_OUTPUT)).isPresent();
            PairAlignerSpec.check(s, null);
            assertThat(PairAlignerSpec.features(s.signature())).isEqualTo(PairAlignment.NAMES.size());
            assertThat(s.metadata()).containsEntry(PairAlignerSpec.META_FEATURES, PairAlignment.FEATURE_SET)
                    .containsEntry(PairScorerSpec.META_EMBEDDER, MiniLmSiameseJob.DEFAULT_ENCODER)
                    .containsEntry(PairScorerSpec.META_EMBEDDER_SHA256, Hashing.sha256(encoder.onnx()));
        }
    }

    @Test
    void refusesWhatItCannotTrain() {
        MiniLmSiameseJob job = job();
        assertThatThrownBy(() -> job.run(ctx(Map.of()))).isInstanceOf(JobFailedException.class).hasMessageContaining("needs data");
        assertThatThrownBy(() -> job.run(ctx(Map.of("data", "x.tsv", "depth", "3"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("depth");
        assertThatThrownBy(() -> job.run(ctx(Map.of("data", "x.tsv", "head", "mlp"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("head");
    }
}
