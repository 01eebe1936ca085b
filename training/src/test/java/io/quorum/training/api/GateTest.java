package io.quorum.training.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GateTest {

    private final Gate gate = new Gate(List.of(new Gate.Threshold("accuracy", true, 0.5, 0.01),
            new Gate.Threshold("logloss", false, 0.69, 0.01)));

    @Test
    void aCandidateMustMeetTheBoundsAndNotRegressAgainstTheChampion() {
        assertThat(gate.evaluate(Map.of("accuracy", 0.8, "logloss", 0.4), null).pass()).isTrue();
        assertThat(gate.evaluate(Map.of("accuracy", 0.45, "logloss", 0.4), null).pass()).isFalse();
        Gate.Result worse = gate.evaluate(Map.of("accuracy", 0.75, "logloss", 0.4), Map.of("accuracy", 0.8, "logloss", 0.4));
        assertThat(worse.pass()).isFalse();
        assertThat(worse.summary()).contains("accuracy 0.7500 vs champion 0.8000 (regression");
        assertThat(gate.evaluate(Map.of("accuracy", 0.795, "logloss", 0.405), Map.of("accuracy", 0.8, "logloss", 0.4)).pass())
                .isTrue();
        assertThat(gate.evaluate(Map.of("accuracy", Double.NaN, "logloss", 0.4), null).summary()).contains("accuracy missing");
    }

    @Test
    void aModelOnAnotherEmbedderIsNeverPromotedAutomatically() {
        Map<String, String> champion = Map.of("quorum.embedder", "minilm", "dimension", "384");
        Gate.Result other = Gate.servingContract("pair-scorer", Map.of("quorum.embedder", "tfidf-w2v", "dimension", "50"), champion);
        assertThat(other.pass()).isFalse();
        assertThat(other.summary()).contains("quorum.embedder differs from the champion's (tfidf-w2v, not minilm)",
                "dimension differs", "./quorum promote pair-scorer");
        assertThat(Gate.servingContract("pair-scorer", Map.of("quorum.embedder", "minilm", "dimension", "384",
                "quorum.embedder.version", "2"), champion).pass()).isTrue();
        assertThat(Gate.servingContract("pair-scorer", Map.of("quorum.embedder", "minilm-q"), null).pass()).isTrue();

        Gate.Result both = Gate.both(gate.evaluate(Map.of("accuracy", 0.9, "logloss", 0.3), Map.of("accuracy", 0.8, "logloss", 0.4)),
                other);
        assertThat(both.pass()).isFalse();
        assertThat(both.reasons()).hasSize(6); // four metric checks, two contract differences
    }
}
