package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.json.Json;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.DigitEnsembleSpec;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.data.LocalModelDirs;
import io.quorum.testing.TestData;
import io.quorum.testing.TestDigitModels;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.ensemble.OnnxEnsemble;
import io.quorum.vision.ensemble.Vote;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ensemble job in process on 300 real MNIST digits, one epoch per member: it publishes one exact fused graph whose
 * members are the trained networks (parity member by member), nested members come from the cache instead of being
 * trained again, a baseline joins as the last member, and the detector's threshold is in the graph for the service.
 */
class DigitEnsembleJobTest {

    @TempDir
    static Path cache;

    @TempDir
    Path work;

    @BeforeAll
    static void data() {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
    }

    private static Map<String, String> small(String... kv) {
        Map<String, String> p = new LinkedHashMap<>(Map.of("rows", "300", "epochs", "1", "batch", "32", "robust-n", "30",
                "robust-steps", "2", "members", "3"));
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    private LocalJobContext ctx(Map<String, String> params) {
        return new LocalJobContext("ensemble-test", params, 42, DataDir.root(), work, line -> { });
    }

    private DigitEnsembleJob job() {
        return new DigitEnsembleJob(new LocalModelDirs(work), cache);
    }

    private Path write(TrainedModel m, String name) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Files.write(dir.resolve("model.onnx"), m.onnx());
        Files.write(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), m.gradientOnnx());
        return dir;
    }

    private static DigitSet validation() throws Exception {
        return DigitSets.load("mnist", DataDir.root()).head(300).split(0.2, 42)[1];
    }

    @Test
    void publishesOneExactFusedGraphWithEveryMemberAndTheDetector() throws Exception {
        LocalJobContext ctx = ctx(small());
        TrainedModel m = job().run(ctx);

        assertThat(m.modelName()).isEqualTo(DigitEnsembleSpec.MODEL_NAME);
        assertThat(m.network()).isNull();
        assertThat(m.parity()).isLessThanOrEqualTo(1e-4);
        assertThat(m.metrics()).containsKeys("accuracy", "max_accuracy", "majority_accuracy", "member_best_accuracy",
                "member_mean_accuracy", "detector_threshold", "detector_clean_flagged", "detector_fgsm_0.3_auc",
                "fgsm_0.3_accuracy", "pgd_0.1_accuracy", "loss");
        assertThat(m.metrics().get("members")).isEqualTo(3.0);
        assertThat(m.metrics().get("accuracy")).as("one epoch on 238 digits, three members").isGreaterThan(0.3);
        // calibrated on the members' own graphs, measured on the fused one: the same figures up to float rounding
        assertThat(m.metrics().get("detector_clean_flagged"))
                .isLessThanOrEqualTo(0.05 + 1 / m.metrics().get("validation_images"));
        assertThat(m.properties()).containsEntry(DigitEnsembleSpec.META_MEMBERS, "3")
                .containsEntry(DigitEnsembleSpec.META_MEMBER_NAMES, "m0,m1,m2").containsEntry(DigitEnsembleSpec.META_MODE, "bootstrap")
                .containsEntry(DigitEnsembleSpec.META_FPR, "0.05").containsKey(DigitEnsembleSpec.META_THRESHOLD)
                .containsEntry(DigitClassifierSpec.META_DATASET, "mnist");
        assertThat(m.hyperParameters()).containsEntry("mode", "bootstrap").containsEntry("sample", "1.0")
                .containsEntry("replacement", "true").containsEntry("seed", "42");
        // member lineage: seeds and samples, in the card's notes and in members.json
        List<?> lineage = Json.mapper().readValue(m.extraArtifacts().get("members.json"), List.class);
        assertThat(lineage).hasSize(3);
        assertThat(((Map<?, ?>) lineage.get(1)).get("seed")).isEqualTo(EnsembleMembers.seed(42, 1));
        int trainRows = (int) Math.round(m.metrics().get("train_images"));
        assertThat(((Map<?, ?>) lineage.get(1)).get("trainingRows")).as("a bootstrap sample as large as the split")
                .isEqualTo(trainRows);
        assertThat((Integer) ((Map<?, ?>) lineage.get(1)).get("distinctRows")).isLessThan(trainRows);
        assertThat(m.notes()).anyMatch(n -> n.contains("m2 seed=" + EnsembleMembers.seed(42, 2)));

        Path dir = write(m, "fused");
        DigitSet val = validation();
        try (OnnxEnsemble e = OnnxEnsemble.open(dir, InferenceOptions.cpu(1))) {
            assertThat(e.members()).isEqualTo(3);
            assertThat(e.hasGradient()).isTrue();
            assertThat(e.threshold()).hasValue(m.metrics().get("detector_threshold"));
            float[][][] members = e.memberProbabilities(val.images());
            assertThat(DigitEnsembleJob.accuracy(OnnxEnsemble.predictions(members, Vote.MAX), val.labels()))
                    .as("the served graph scores the validation split as the job reported")
                    .isEqualTo(m.metrics().get("max_accuracy"));
            // the mean-probability ensemble's gradient points up its loss: a small step along it raises the loss
            float[][] x = val.head(4).images();
            int[] y = Arrays.copyOf(val.labels(), 4);
            float[][] g = e.lossGradient(x, y);
            float[][] moved = new float[4][];
            for (int i = 0; i < 4; i++) {
                moved[i] = x[i].clone();
                for (int j = 0; j < moved[i].length; j++) {
                    moved[i][j] += 1e-3f * Math.signum(g[i][j]);
                }
            }
            float[][] before = e.probabilities(x);
            float[][] after = e.probabilities(moved);
            for (int i = 0; i < 4; i++) {
                assertThat(after[i][y[i]]).isLessThanOrEqualTo(before[i][y[i]]);
            }
            // one call of the gradient graph gives the mean-probability ensemble's probabilities too (what FGSM on the
            // ensemble scores the clean images with)
            var pg = e.probabilitiesAndGradient(x, y);
            assertThat(pg.gradient()).isDeepEqualTo(g);
            for (int i = 0; i < 4; i++) {
                for (int c = 0; c < before[i].length; c++) {
                    assertThat(pg.probabilities()[i][c]).isCloseTo(before[i][c], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
        }
    }

    @Test
    void nestedMembersComeFromTheCacheAndAreTheSameNetworks() throws Exception {
        TrainedModel three = job().run(ctx(small()));
        TrainedModel two = job().run(ctx(small("members", "2")));
        assertThat(two.metrics().get("members_trained_now")).as("the first two of three were trained already").isEqualTo(0.0);
        DigitSet val = validation();
        try (OnnxEnsemble a = OnnxEnsemble.open(write(three, "three"), InferenceOptions.cpu(1));
             OnnxEnsemble b = OnnxEnsemble.open(write(two, "two"), InferenceOptions.cpu(1))) {
            float[][][] pa = a.memberProbabilities(val.head(20).images());
            float[][][] pb = b.memberProbabilities(val.head(20).images());
            for (int i = 0; i < 20; i++) {
                for (int k = 0; k < 2; k++) {
                    for (int c = 0; c < 10; c++) {
                        assertThat(pb[i][k][c]).isCloseTo(pa[i][k][c], Offset.offset(1e-6f));
                    }
                }
            }
        }
        // uniform members train on the whole split: other members than the bootstrap ones, with the same seeds
        TrainedModel uniform = job().run(ctx(small("members", "1", "mode", "uniform")));
        assertThat(uniform.metrics().get("members_trained_now")).isEqualTo(1.0);
        assertThat(uniform.hyperParameters()).doesNotContainKeys("sample", "replacement");
    }

    @Test
    void aBaselineJoinsAsTheLastMember() throws Exception {
        DigitSet train = DigitSets.load("mnist", DataDir.root()).head(300).split(0.2, 42)[0];
        TestDigitModels.Mlp mlp = TestDigitModels.train(train.images(), train.labels(), 10, 16, 2, 5);
        Path baseline = Files.createDirectories(work.resolve("baseline-model"));
        TestDigitModels.model(mlp, 28, 28).write(baseline.resolve("model.onnx"));
        TestDigitModels.gradient(mlp, 28, 28).write(baseline.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT));

        TrainedModel m = job().run(ctx(small("members", "2", "baseline", "baseline-model")));
        assertThat(m.parity()).isLessThanOrEqualTo(1e-4);
        assertThat(m.properties()).containsEntry(DigitEnsembleSpec.META_MEMBER_NAMES, "m0,m1,baseline");
        assertThat(m.metrics().get("members")).isEqualTo(3.0);
        DigitSet val = validation();
        try (OnnxEnsemble e = OnnxEnsemble.open(write(m, "with-baseline"), InferenceOptions.cpu(1))) {
            float[][] expected = mlp.probabilities(val.head(5).images());
            float[][][] got = e.memberProbabilities(val.head(5).images());
            for (int i = 0; i < 5; i++) {
                for (int c = 0; c < 10; c++) {
                    assertThat(got[i][2][c]).isCloseTo(expected[i][c], Offset.offset(1e-5f));
                }
            }
        }
        Files.delete(baseline.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT));
        assertThatThrownBy(() -> job().run(ctx(small("members", "1", "baseline", "baseline-model"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("has no gradient.onnx");
    }

    @Test
    void membersAreAFunctionOfSeedIndexAndMode() {
        assertThat(EnsembleMembers.seed(42, 3)).isEqualTo(EnsembleMembers.seed(42, 3)).isNotEqualTo(EnsembleMembers.seed(42, 2))
                .isNotEqualTo(EnsembleMembers.seed(43, 3));
        int[] with = EnsembleMembers.sample(1000, 1.0, true, 7);
        assertThat(with).hasSize(1000).isSorted();
        assertThat(EnsembleMembers.distinct(with)).as("about 63% distinct").isBetween(580, 680);
        int[] without = EnsembleMembers.sample(1000, 0.5, false, 7);
        assertThat(without).hasSize(500).doesNotHaveDuplicates().isSorted();
        assertThat(EnsembleMembers.sample(1000, 0.5, false, 7)).isEqualTo(without);
        assertThat(EnsembleMembers.sample(1000, 0.5, false, 8)).isNotEqualTo(without);
    }

    @Test
    void badParametersFailWithReasons() {
        DigitEnsembleJob job = job();
        assertThatThrownBy(() -> job.run(ctx(Map.of("members", "0")))).isInstanceOf(JobFailedException.class)
                .hasMessageContaining("members must be in 1..200");
        assertThatThrownBy(() -> job.run(ctx(Map.of("mode", "bagging")))).hasMessageContaining("bootstrap, uniform");
        assertThatThrownBy(() -> job.run(ctx(Map.of("replacement", "false", "sample", "1.5"))))
                .hasMessageContaining("sample must be in (0, 1] without replacement");
        assertThatThrownBy(() -> job.run(ctx(small("baseline", "nowhere")))).hasMessageContaining("baseline nowhere");
        assertThatThrownBy(() -> job.run(ctx(Map.of("detect-fpr", "0.7")))).hasMessageContaining("detect-fpr");
    }
}
