package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.ImageScorerSpec;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import io.quorum.testing.TestData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Selfai job end to end on a handful of real MEBeauty crops at 32px: Siamese pre-training with Net2Net growth
 * (every epoch counts as a stall), doubling, Huber fine-tuning, an exact export that meets the image scorer contract.
 */
class SelfaiImageScorerJobTest {

    @TempDir
    Path work;

    @BeforeAll
    static void data() {
        TestData.require("mebeauty/scores/train_2022.txt");
    }

    private TrainedModel run(String... kv) throws JobFailedException {
        Map<String, String> p = new LinkedHashMap<>(Map.of("rows", "40", "val-rows", "12", "resolution", "32",
                "width", "2", "pretrain-epochs", "3", "finetune-epochs", "2", "batch", "8"));
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return new SelfaiImageScorerJob().run(new LocalJobContext("selfai-test", p, 42, DataDir.root(), work, l -> { }));
    }

    @Test
    void growsPretrainsFineTunesAndExportsAnExactImageScorer() throws Exception {
        TrainedModel m = run("stall", "0.99", "dilation", "2");
        assertThat(m.modelName()).isEqualTo(ImageScorerSpec.MODEL_NAME);
        assertThat(m.parity()).isLessThanOrEqualTo(1e-4);
        assertThat(m.metrics()).containsKeys("plcc", "srcc", "mae", "rmse", "train_seconds");
        assertThat(m.metrics().get("n")).isEqualTo(12.0);
        assertThat(m.notes()).anyMatch(n -> n.contains("deeper (stall)"));
        assertThat(m.notes()).anyMatch(n -> n.contains("wider x2 (all)"));
        assertThat(m.properties()).containsEntry(ImageScorerSpec.META_SIZE, "32");
        try (OnnxSession s = OnnxSession.open(m.onnx(), InferenceOptions.cpu(1))) {
            ImageScorerSpec.check(s, null);
            assertThat(ImageScorerSpec.size(s.signature())).isEqualTo(32);
            assertThat(s.metadata()).containsEntry(ImageScorerSpec.META_ALIGNMENT, ImageScorerSpec.ALIGNMENT_MEBEAUTY);
        }
    }

    @Test
    void withoutPretrainingTheSameFinalArchitectureIsTrainedFromScratch() throws Exception {
        TrainedModel scratch = run("pretrain-epochs", "0", "augment", "false");
        assertThat(scratch.parity()).isLessThanOrEqualTo(1e-4);
        assertThat(scratch.metrics().get("pretrain_seconds")).isLessThan(0.5);
        TrainedModel grown = run("pretrain-epochs", "1", "augment", "false");
        assertThat(grown.properties().get("architecture")).isEqualTo(scratch.properties().get("architecture"));
        assertThatThrownBy(() -> run("resolution", "40")).isInstanceOf(JobFailedException.class);
    }
}
