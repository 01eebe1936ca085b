package io.quorum.trainer.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.quorum.shared.events.TrainingRequested;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Labelled pairs start one retrain per configured job, each with the parameters that job declares. */
class RetrainTriggerTest {

    @Test
    void everyJobRetrainsOnTheLabelsWithItsOwnParameters() {
        List<TrainingRequested> submitted = new ArrayList<>();
        Map<String, Set<String>> declared = Map.of("pair-scorer", Set.of("data", "epochs", "head"),
                "pair-aligner", Set.of("data", "epochs"));
        try (RetrainTrigger t = new RetrainTrigger(3, Duration.ZERO, List.of("pair-scorer", "pair-aligner"),
                Map.of("epochs", "2", "head", "features"), declared::get, submitted::add)) {
            t.labeled();
            t.labeled();
            assertThat(submitted).isEmpty();
            t.labeled();
            assertThat(submitted).extracting(TrainingRequested::job).containsExactly("pair-scorer", "pair-aligner");
            assertThat(submitted.get(0).params()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("data", "labeled", "epochs", "2", "head", "features"));
            assertThat(submitted.get(1).params()).containsExactlyInAnyOrderEntriesOf(Map.of("data", "labeled", "epochs", "2"));
            assertThat(submitted.get(0).jobId()).isNotEqualTo(submitted.get(1).jobId());
            assertThat(t.sinceLastRetrain()).isZero();
        }
    }
}
