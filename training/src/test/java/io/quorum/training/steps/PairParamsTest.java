package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parameters pair jobs share and the gate they configure. */
class PairParamsTest {

    @Test
    void theGateBoundsAccuracyAndLogLossWithTheirDefaultsOrTheGivenValues() throws Exception {
        Gate defaults = PairParams.gate(new JobParams(Map.of()));
        assertThat(defaults.thresholds()).containsExactly(
                new Gate.Threshold(BinaryMetrics.ACCURACY, true, PairParams.DEFAULT_MIN_ACCURACY, PairParams.DEFAULT_MAX_REGRESSION),
                new Gate.Threshold(BinaryMetrics.LOGLOSS, false, PairParams.DEFAULT_MAX_LOGLOSS, PairParams.DEFAULT_MAX_REGRESSION));
        assertThat(defaults.evaluate(Map.of("accuracy", 0.45, "logloss", 0.5), null).pass()).isFalse();

        Gate open = PairParams.gate(new JobParams(Map.of(PairParams.MIN_ACCURACY, "0", PairParams.MAX_LOGLOSS, "10",
                PairParams.MAX_REGRESSION, "1")));
        assertThat(open.evaluate(Map.of("accuracy", 0.45, "logloss", 2.0), Map.of("accuracy", 0.9, "logloss", 1.5)).pass())
                .isTrue();
        assertThatThrownBy(() -> PairParams.gate(new JobParams(Map.of(PairParams.MIN_ACCURACY, "high"))))
                .isInstanceOf(JobFailedException.class).hasMessageContaining(PairParams.MIN_ACCURACY);
    }

    @Test
    void everyPairJobDeclaresTheSplitTheGateAndTheDataLayout() {
        Map<String, String> p = new LinkedHashMap<>();
        PairParams.declare(p, "early stopping");
        assertThat(p.keySet()).containsExactly(PairSplits.VALIDATION, PairSplits.DEV, PairParams.MIN_ACCURACY,
                PairParams.MAX_LOGLOSS, PairParams.MAX_REGRESSION, "format", "rows", PairSplits.FOLD, PairSplits.FOLDS);
        assertThat(p.get(PairSplits.DEV)).isEqualTo("0.1 - fraction of the rest for early stopping");
        assertThat(p.get(PairParams.MAX_LOGLOSS)).startsWith("0.69 - gate:");
    }
}
