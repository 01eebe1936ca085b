package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.shared.events.AttackRequested;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Argument handling of {@code eval digits}, its JSON figures and the requests it sends, without a model or broker. */
class EvalDigitsArgsTest {

    private static EvalDigits parse(String... args) {
        EvalDigits e = new EvalDigits();
        new CommandLine(e).parseArgs(args);
        return e;
    }

    @Test
    void badCombinationsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> parse().validate()).hasMessageContaining("--images F --labels F, or --data");
        assertThatThrownBy(() -> parse("--images", "a", "--data", "mnist").validate()).hasMessageContaining("--labels go together");
        assertThatThrownBy(() -> parse("--images", "a", "--labels", "b", "--data", "mnist").validate())
                .hasMessageContaining("--images F --labels F, or --data");
        assertThatThrownBy(() -> parse("--data", "mnist", "--eps", "0.1").validate()).hasMessageContaining("need --attack");
        assertThatThrownBy(() -> parse("--data", "mnist", "--pictures", "p").validate()).hasMessageContaining("need --attack");
        assertThatThrownBy(() -> parse("--data", "mnist", "--attack", "fooling").validate())
                .hasMessageContaining("fooling images have no accuracy");
        assertThatThrownBy(() -> parse("--data", "mnist", "--attack", "cw").validate()).hasMessageContaining("[fgsm, pgd, genetic]");
        assertThatThrownBy(() -> parse("--data", "mnist", "--attack", "fgsm", "--eps", "1.5").validate())
                .hasMessageContaining("eps");
        assertThatThrownBy(() -> parse("--data", "mnist", "--attack", "genetic", "-P", "populaton=8").validate())
                .hasMessageContaining("unknown attack parameter");
        assertThatThrownBy(() -> parse("--data", "mnist", "--attack", "fgsm", "--via-kafka", "--model-dir", "d").validate())
                .hasMessageContaining("--model-dir is for in process");
        assertThatThrownBy(() -> parse("--data", "mnist", "--via-kafka").validate()).hasMessageContaining("give --attack");
        assertThatThrownBy(() -> parse("--data", "mnist", "--limit", "0").validate()).hasMessageContaining("--limit");
        parse("--data", "mnist").validate();
        parse("--images", "a", "--labels", "b", "--attack", "PGD", "--eps", "0.1", "--steps", "10").validate();
    }

    @Test
    void attackParametersComeFromTheOptionsAndParams() {
        EvalDigits e = parse("--data", "mnist", "--attack", "pgd", "--eps", "0.1", "--steps", "10", "-P", "random-start=false");
        e.validate();
        assertThat(e.paramStrings()).containsEntry("eps", "0.1").containsEntry("steps", "10")
                .containsEntry("random-start", "false");
        assertThat(e.attackParams().stepSize()).isEqualTo(0.025, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(e.attackParams().randomStart()).isFalse();
        assertThat(e.datasetRequests()).isTrue();
        assertThat(e.datasetRef()).isEqualTo("mnist");
        EvalDigits files = parse("--images", "/d/i.gz", "--labels", "/d/l.gz", "--attack", "fgsm");
        assertThat(files.datasetRequests()).isFalse();
        assertThat(parse("--images", "/d/i.gz", "--labels", "/d/l.gz", "--requests", "dataset").datasetRef()).isEqualTo("/d/i.gz|/d/l.gz");
    }

    @Test
    void modelReferencesNameAVersionOrTheChampion() {
        assertThat(ModelRef.parse("digit-classifier")).isEqualTo(new ModelRef("digit-classifier", null));
        assertThat(ModelRef.parse("digit-classifier:3")).isEqualTo(new ModelRef("digit-classifier", 3));
        assertThat(ModelRef.parse("digit-classifier:v4").follow()).isEqualTo("version:4");
        assertThat(ModelRef.parse("digit-classifier").follow()).isEqualTo("champion");
        assertThatThrownBy(() -> ModelRef.parse("digit-classifier:latest")).hasMessageContaining("NAME:VERSION");
        assertThatThrownBy(() -> ModelRef.parse("m:0")).hasMessageContaining("NAME:VERSION");
    }

    @Test
    void theSummaryCountsAccuracySuccessAndQueries() {
        int[] labels = {1, 2, 3, 4};
        int[] before = {1, 2, 3, 0};
        int[] after = {1, 5, 6, 0};
        boolean[] success = {false, true, true, true};
        DigitsSummary s = DigitsSummary.of(labels, before, after, success, new double[] {0.3, 0.3, 0.3, 0.1},
                new double[] {1, 2, 3, 4}, new long[] {10, 20, 40, 1});
        assertThat(s.accuracy()).isEqualTo(0.75);
        assertThat(s.adversarialAccuracy()).isEqualTo(0.25);
        assertThat(s.successRate()).isEqualTo(0.75);
        assertThat(s.meanLinf()).isEqualTo(0.25, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.meanQueries()).isEqualTo(17.75);
        assertThat(s.queriesPerSuccess()).isEqualTo(61 / 3.0);
        Map<String, Object> j = s.json(true, true);
        assertThat(j).containsKeys("n", "accuracy", "adversarialAccuracy", "successRate", "meanLinf", "meanL2", "meanQueries",
                "queriesPerSuccess");
        assertThat(s.json(true, false)).doesNotContainKey("queriesPerSuccess");
        assertThat(DigitsSummary.of(labels, before, null, null, null, null, null).json(false, false))
                .containsOnlyKeys("n", "accuracy");
        // no success: queries per success is undefined, written as null
        assertThat(DigitsSummary.of(new int[] {1}, new int[] {1}, new int[] {1}, new boolean[] {false}, new double[] {0},
                new double[] {0}, new long[] {5}).json(true, true).get("queriesPerSuccess")).isNull();
    }

    @Test
    void requestsCarryExactImagesOrADataSetReference() {
        float[][] x = {new float[784], new float[784]};
        x[0][5] = 0.123456789f;
        DigitSet set = new DigitSet("t", x, new int[] {3, 4}, 28, 28, DigitSets.DIGITS);
        List<AttackRequested> per = AttackClient.perImage("run", ModelRef.parse("digit-classifier:2"), "fgsm",
                Map.of("eps", "0.3"), set, null);
        assertThat(per).hasSize(2);
        assertThat(per.get(0).requestId()).isEqualTo("run-0");
        assertThat(per.get(1).label()).isEqualTo(4);
        assertThat(per.get(0).follow()).isEqualTo("version:2");
        assertThat(per.get(0).image().intensities()[5]).isEqualTo(0.123456789f);
        AttackRequested ds = AttackClient.dataset("run", ModelRef.parse("digit-classifier"), "pgd", Map.of("eps", "0.1"),
                "fashion-mnist:test", 500, "digit-classifier:1");
        assertThat(ds.dataset()).isEqualTo("fashion-mnist:test");
        assertThat(ds.params()).containsEntry("limit", "500").containsEntry("eps", "0.1");
        assertThat(ds.follow()).isEqualTo("champion");
        assertThat(ds.sourceModel()).isEqualTo("digit-classifier:1");
        assertThat(ds.image()).isNull();
    }
}
