package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The digits gate: clean accuracy and, against the champion, the accuracy under the configured attack. */
class DigitParamsTest {

    private static final Map<String, Double> CHAMPION = Map.of("accuracy", 0.985, "pgd_0.1_accuracy", 0.60,
            "fgsm_0.3_accuracy", 0.05);

    @Test
    void aCandidateLosingRobustnessIsNotPromotedEvenWithBetterCleanAccuracy() throws Exception {
        Gate gate = DigitParams.gate(new JobParams(Map.of()));
        Gate.Result fragile = gate.evaluate(Map.of("accuracy", 0.99, "pgd_0.1_accuracy", 0.50), CHAMPION);
        assertThat(fragile.pass()).isFalse();
        assertThat(fragile.summary()).contains("accuracy 0.9900 meets min 0.9000", "pgd_0.1_accuracy 0.5000 vs champion 0.6000 "
                + "(regression, tolerance 0.0200)");
        assertThat(gate.evaluate(Map.of("accuracy", 0.984, "pgd_0.1_accuracy", 0.59), CHAMPION).pass()).isTrue();
        assertThat(gate.evaluate(Map.of("accuracy", 0.97, "pgd_0.1_accuracy", 0.9), CHAMPION).summary())
                .contains("accuracy 0.9700 vs champion 0.9850 (regression");
        // no champion: clean accuracy decides, the robustness figure is recorded among the reasons
        Gate.Result first = gate.evaluate(Map.of("accuracy", 0.95, "pgd_0.1_accuracy", 0.1), null);
        assertThat(first.pass()).isTrue();
        assertThat(first.summary()).contains("pgd_0.1_accuracy 0.1000 (no champion to compare with)");
        assertThat(gate.evaluate(Map.of("accuracy", 0.95), CHAMPION).summary()).contains("pgd_0.1_accuracy missing");
    }

    @Test
    void theAttackAndTolerancesAreConfigurable() throws Exception {
        Gate gate = DigitParams.gate(new JobParams(Map.of(DigitParams.GATE_ATTACK, "fgsm", DigitParams.GATE_EPS, "0.3",
                DigitParams.MAX_ROBUST_REGRESSION, "0.1", DigitParams.MIN_ACCURACY, "0.98")));
        assertThat(gate.thresholds()).extracting(Gate.Threshold::metric).containsExactly("accuracy", "fgsm_0.3_accuracy");
        assertThat(gate.evaluate(Map.of("accuracy", 0.99, "fgsm_0.3_accuracy", 0.0), CHAMPION).pass()).isTrue();
        assertThat(gate.evaluate(Map.of("accuracy", 0.975, "fgsm_0.3_accuracy", 0.9), CHAMPION).pass()).isFalse();
        // a champion without the figure (another gate attack) is not compared on it, and the reasons say so
        Gate other = DigitParams.gate(new JobParams(Map.of(DigitParams.GATE_EPS, "0.2")));
        assertThat(other.evaluate(Map.of("accuracy", 0.99, "pgd_0.2_accuracy", 0.3), CHAMPION).summary())
                .contains("pgd_0.2_accuracy 0.3000: the champion has no such figure; not compared");
        assertThatThrownBy(() -> DigitParams.gate(new JobParams(Map.of(DigitParams.GATE_ATTACK, "genetic"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("fgsm, pgd");
        assertThatThrownBy(() -> DigitParams.gate(new JobParams(Map.of(DigitParams.GATE_EPS, "2"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining("gate-eps");
        assertThat(Robustness.metric("pgd", 0.10)).isEqualTo("pgd_0.1_accuracy");
        assertThat(Robustness.metric("fgsm", 0.3)).isEqualTo("fgsm_0.3_accuracy");
    }

    @Test
    void aClassifierForAnotherDataSetOrImageSizeIsNeverPromotedAutomatically() {
        Map<String, String> mnist = DigitClassifierSpec.properties(28, 28, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), "mnist");
        Map<String, String> fashion = DigitClassifierSpec.properties(28, 28, io.quorum.vision.data.DigitSets.FASHION, "fashion-mnist");
        Gate.Result r = Gate.servingContract("digit-classifier", fashion, mnist);
        assertThat(r.pass()).isFalse();
        assertThat(r.summary()).contains("quorum.dataset differs from the champion's (fashion-mnist, not mnist)",
                "quorum.classes differs", "./quorum promote digit-classifier");
        Map<String, String> small = DigitClassifierSpec.properties(14, 14, List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), "mnist");
        assertThat(Gate.servingContract("digit-classifier", small, mnist).summary()).contains("quorum.image.height differs",
                "quorum.image.width differs");
        assertThat(Gate.servingContract("digit-classifier", mnist, mnist).pass()).isTrue();
    }
}
