package io.quorum.adversarial;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quorum.shared.metrics.Metrics;
import org.junit.jupiter.api.Test;

/** The sliding success window behind {@code quorum_attack_success_ratio}. */
class AttackMetricsTest {

    @Test
    void theRatioCoversOnlyTheMostRecentImages() {
        AttackMetrics.Window w = new AttackMetrics.Window(4);
        assertThat(w.ratio()).isNaN();
        w.add(true);
        w.add(false);
        assertThat(w.ratio()).isEqualTo(0.5);
        w.add(true);
        w.add(true);
        assertThat(w.ratio()).isEqualTo(0.75);
        w.add(false); // pushes out the first success
        assertThat(w.ratio()).isEqualTo(0.5);
        w.add(false);
        w.add(false);
        w.add(false);
        assertThat(w.ratio()).isEqualTo(0.0);
        assertThat(w.size()).isEqualTo(4);
    }

    @Test
    void aGaugePerAttackModelAndVersion() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        AttackMetrics m = new AttackMetrics(meters, 10);
        m.completed("fgsm", "digits");
        m.datasetStored();
        assertThat(meters.find(Metrics.ATTACKS).tag(Metrics.TAG_ATTACK, "fgsm").tag(Metrics.TAG_MODEL, "digits").counter()
                .count()).isEqualTo(1.0);
        assertThat(meters.find(Metrics.ADVERSARIAL_DATASETS).counter().count()).isEqualTo(1.0);
        assertThat(m.successRatio("fgsm", "digits", 1)).isNaN();
        assertThat(meters.find(Metrics.ATTACK_SUCCESS_RATIO).gauges()).isEmpty();
    }
}
