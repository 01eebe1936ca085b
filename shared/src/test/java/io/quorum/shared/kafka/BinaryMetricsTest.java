package io.quorum.shared.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quorum.shared.eval.BinaryMetrics;
import org.junit.jupiter.api.Test;

class BinaryMetricsTest {

    @Test
    void metricsByHand() {
        double[] p = {0.9, 0.8, 0.3, 0.6, 0.1};
        int[] y = {1, 1, 0, 0, 1};
        var m = BinaryMetrics.compute(p, y, 0.5);
        assertThat(m.get("accuracy")).isEqualTo(0.6); // 0.9,0.8 right; 0.3 right(0); 0.6 wrong; 0.1 wrong
        assertThat(m.get("precision")).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.get("recall")).isCloseTo(2.0 / 3, within(1e-12));
        double ll = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.7) + Math.log(0.4) + Math.log(0.1)) / 5;
        assertThat(m.get("logloss")).isCloseTo(ll, within(1e-12));
        // positives 0.9, 0.8, 0.1 vs negatives 0.3, 0.6: pairs won 2+2+0 of 6
        assertThat(m.get("auc")).isCloseTo(4.0 / 6, within(1e-12));
    }

    @Test
    void bestThresholdMaximisesAccuracy() {
        double[] p = {0.1, 0.2, 0.35, 0.4, 0.7, 0.9};
        int[] y = {0, 0, 1, 1, 1, 1};
        double t = BinaryMetrics.bestThreshold(p, y);
        assertThat(t).isBetween(0.2, 0.35);
        assertThat(BinaryMetrics.compute(p, y, t).get("accuracy")).isEqualTo(1.0);
        assertThat(BinaryMetrics.auc(new double[] {0.5, 0.5}, new int[] {0, 1})).isEqualTo(0.5);
    }

    @Test
    void eachPredictionCanHaveItsOwnThreshold() {
        double[] p = {0.9, 0.8, 0.3, 0.6, 0.1};
        int[] y = {1, 1, 0, 0, 1};
        // the last two scored by a version calibrated at 0.05: 0.6 and 0.1 both count as "duplicate"
        var m = BinaryMetrics.compute(p, y, new double[] {0.5, 0.5, 0.5, 0.05, 0.05});
        assertThat(m.get("accuracy")).isEqualTo(0.8);
        assertThat(m.get("recall")).isEqualTo(1.0);
        assertThat(m).doesNotContainKey("threshold");
        assertThat(m.get("auc")).isEqualTo(BinaryMetrics.compute(p, y, 0.5).get("auc"));
    }
}
