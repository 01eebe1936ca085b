package io.quorum.training.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.data.DataDir;
import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.LocalJobContext;
import io.quorum.training.api.TrainedModel;
import io.quorum.training.steps.DigitParams;
import io.quorum.testing.TestData;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.model.OnnxClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The digits job in process on a small slice of the real MNIST digits: it trains, publishes an exact model.onnx and
 * gradient.onnx that vision's OnnxClassifier loads, and records the robustness figures the gate reads.
 */
class DigitClassifierJobTest {

    @TempDir
    Path work;

    @BeforeAll
    static void data() {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
    }

    private static Map<String, String> small(String... kv) {
        Map<String, String> p = new LinkedHashMap<>(Map.of("rows", "600", "epochs", "2", "batch", "32", "robust-n", "60",
                "robust-steps", "3"));
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return p;
    }

    private LocalJobContext ctx(Map<String, String> params) {
        return new LocalJobContext("digits-test", params, 42, DataDir.root(), work, line -> { });
    }

    @Test
    void publishesAnExactModelAndGradientGraphThatTheServedClassifierLoads() throws Exception {
        LocalJobContext ctx = ctx(small());
        TrainedModel m = new DigitClassifierJob().run(ctx);

        assertThat(m.modelName()).isEqualTo(DigitClassifierSpec.MODEL_NAME);
        assertThat(m.parity()).isLessThanOrEqualTo(1e-4);
        assertThat(m.gradientOnnx()).isNotNull();
        assertThat(m.metrics()).containsKeys("accuracy", "loss", "fgsm_0.3_accuracy", "pgd_0.1_accuracy", "pgd_0.3_accuracy");
        assertThat(m.metrics().get("validation_images")).isEqualTo(120.0);
        assertThat(m.metrics().get("robust_images")).isEqualTo(60.0);
        assertThat(m.metrics().get("accuracy")).as("two epochs on 480 digits").isGreaterThan(0.6);
        // white-box attacks at eps 0.3 break a network trained for two epochs
        assertThat(m.metrics().get("fgsm_0.3_accuracy")).isLessThan(m.metrics().get("accuracy"));
        assertThat(m.metrics().get("pgd_0.3_accuracy")).isLessThanOrEqualTo(m.metrics().get("pgd_0.1_accuracy"));
        assertThat(m.properties()).containsEntry(DigitClassifierSpec.META_DATASET, "mnist")
                .containsEntry(DigitClassifierSpec.META_HEIGHT, "28").containsEntry(DigitClassifierSpec.META_CLASSES, "0,1,2,3,4,5,6,7,8,9");
        assertThat(m.dataRef()).startsWith("mnist: $QUORUM_DATA_DIR/mnist/mnist-8k-images-idx3-ubyte.gz, 600 images");
        assertThat(m.dataHash()).hasSize(64);
        assertThat(m.hyperParameters()).containsEntry("arch", "cleverhans").containsEntry("seed", "42")
                .doesNotContainKey("adv-eps");
        assertThat(ctx.progress()).anyMatch(l -> l.contains("validation_accuracy"));

        Path dir = Files.createDirectories(work.resolve("published"));
        Files.write(dir.resolve("model.onnx"), m.onnx());
        Files.write(dir.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), m.gradientOnnx());
        DigitSet val = DigitSets.load("mnist", DataDir.root()).head(600).split(0.2, 42)[1];
        try (OnnxClassifier c = OnnxClassifier.open(dir, InferenceOptions.cpu(1))) {
            assertThat(c.hasGradient()).isTrue();
            assertThat(c.hasFeatures()).isTrue();
            assertThat(c.features(val.head(3).images())[0]).hasSize(128);
            int[] p = io.quorum.vision.model.Classifier.argmax(c.probabilities(val.images()));
            int ok = 0;
            for (int i = 0; i < p.length; i++) {
                ok += p[i] == val.labels()[i] ? 1 : 0;
            }
            assertThat(ok / (double) p.length).as("the served model scores the validation split as the job reported")
                    .isEqualTo(m.metrics().get("accuracy"));
            // the gradient graph's own probabilities (what FGSM scores the clean images with) are the model's
            float[][] x = val.head(64).images();
            var pg = c.probabilitiesAndGradient(x, java.util.Arrays.copyOf(val.labels(), 64));
            float[][] direct = c.probabilities(x);
            for (int i = 0; i < x.length; i++) {
                for (int k = 0; k < direct[i].length; k++) {
                    assertThat(pg.probabilities()[i][k]).isCloseTo(direct[i][k], org.assertj.core.data.Offset.offset(1e-5f));
                }
            }
            assertThat(pg.gradient()).isDeepEqualTo(c.lossGradient(x, java.util.Arrays.copyOf(val.labels(), 64)));
        }
    }

    @Test
    void adversarialTrainingOfTheBatchNormNetworkExportsExactlyToo() throws Exception {
        TrainedModel m = new DigitClassifierJob().run(ctx(small("arch", "vgg", "rows", "300", "epochs", "1",
                "adversarial", "pgd", "adv-steps", "2", "adv-eps", "0.2", "gate-attack", "fgsm", "gate-eps", "0.2")));
        assertThat(m.parity()).isLessThanOrEqualTo(1e-4);
        assertThat(m.metrics()).containsKey("fgsm_0.2_accuracy");
        assertThat(m.hyperParameters()).containsEntry("adversarial", "pgd").containsEntry("adv-eps", "0.2")
                .containsEntry("adv-steps", "2");
        assertThat(m.properties().get("architecture")).contains("vgg", "adversarial=pgd-2 eps=0.2 ratio=0.5");
        assertThat(new DigitClassifierJob().gate(new io.quorum.training.api.JobParams(Map.of(DigitParams.GATE_ATTACK, "fgsm",
                DigitParams.GATE_EPS, "0.2"))).thresholds()).anyMatch(t -> t.metric().equals("fgsm_0.2_accuracy"));
    }

    @Test
    void ensembleAdversarialTrainingTrainsItsStaticModelsWithTheirOwnSeeds() throws Exception {
        TrainedModel m = new DigitClassifierJob().run(ctx(small("rows", "300", "epochs", "1", "adversarial", "fgsm",
                "adv-static", "cleverhans", "adv-static-epochs", "1", "robust-n", "20", "robust-steps", "2")));
        assertThat(m.metrics()).containsKey("static_1_accuracy");
        // a static model learned something (10 classes: chance is 0.1) and it is not the trained model itself
        assertThat(m.metrics().get("static_1_accuracy")).isGreaterThan(0.2);
        assertThat(DigitClassifierJob.staticSeed(42, 0)).isNotEqualTo(42L).isNotEqualTo(DigitClassifierJob.staticSeed(42, 1));
        assertThat(m.hyperParameters()).containsEntry("adv-static", "cleverhans").containsEntry("adv-static-epochs", "1");
        assertThat(m.properties().get("architecture")).contains("static=cleverhans");
        assertThat(m.notes()).anyMatch(n -> n.contains("ensemble adversarial training"));
        assertThatThrownBy(() -> new DigitClassifierJob().run(ctx(Map.of("adversarial", "fgsm", "adv-static", "resnet"))))
                .hasMessageContaining("adv-static: unknown architecture 'resnet'");
    }

    @Test
    void badParametersFailWithReasons() {
        DigitClassifierJob job = new DigitClassifierJob();
        assertThatThrownBy(() -> job.run(ctx(Map.of("data", "cifar")))).isInstanceOf(JobFailedException.class)
                .hasMessageContaining("mnist, fashion-mnist");
        assertThatThrownBy(() -> job.run(ctx(Map.of("arch", "resnet")))).hasMessageContaining("cleverhans, vgg");
        assertThatThrownBy(() -> job.run(ctx(Map.of("adversarial", "fgsm", "adv-eps", "3")))).hasMessageContaining("adv-eps");
        assertThatThrownBy(() -> job.run(ctx(Map.of("rows", "5")))).hasMessageContaining("rows must be at least 20");
        assertThatThrownBy(() -> job.run(ctx(Map.of("epoch", "3")))).hasMessageContaining("unknown parameter 'epoch'");
        assertThatThrownBy(() -> job.run(ctx(Map.of("rows", "25")))).hasMessageContaining("too few images");
    }
}
