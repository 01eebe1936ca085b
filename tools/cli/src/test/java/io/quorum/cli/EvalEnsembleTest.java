package io.quorum.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.quorum.shared.data.DataDir;
import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.testing.TestData;
import io.quorum.testing.TestDigitModels;
import io.quorum.vision.data.DigitSet;
import io.quorum.vision.data.DigitSets;
import io.quorum.vision.ensemble.Vote;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code eval ensemble} and {@code bench ensemble} in process on a real fused ensemble (three perceptrons, each trained
 * on its own 200 MNIST digits) with adversarials transferred from the CLI tests' DL4J model.
 */
class EvalEnsembleTest {

    @TempDir
    static Path dir;
    static List<TestDigitModels.Mlp> members;
    static Path ensemble;

    @BeforeAll
    static void build() throws Exception {
        TestData.require("mnist/mnist-8k-images-idx3-ubyte.gz");
        DigitSet train = DigitSets.load("mnist", DataDir.root()).head(600);
        members = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            members.add(TestDigitModels.train(Arrays.copyOfRange(train.images(), 200 * k, 200 * (k + 1)),
                    Arrays.copyOfRange(train.labels(), 200 * k, 200 * (k + 1)), 10, 16, 3, 30 + k));
        }
        byte[][] graphs = TestDigitModels.ensemble(members, 28, 28, 0.2);
        ensemble = Files.createDirectories(dir.resolve("ensemble"));
        Files.write(ensemble.resolve("model.onnx"), graphs[0]);
        Files.write(ensemble.resolve(DigitClassifierSpec.GRADIENT_ARTIFACT), graphs[1]);
    }

    @Test
    void theTableOfVotesAndSizesComesFromTheFusedGraphAndTheTransferredAdversarials() throws Exception {
        Path[] data = DigitsTestModel.heldOut();
        JsonNode j = EvalDigitsTest.cli("eval", "ensemble", "--images", data[0].toString(), "--labels", data[1].toString(),
                "--limit", "150", "--model-dir", ensemble.toString(), "--adversarial-from-dir",
                DigitsTestModel.modelDir().toString(), "--prefixes", "1,2,5", "--white-box", "fgsm", "--white-box-n", "40",
                "--genetic-n", "4", "--genetic-max-queries", "120").json();
        assertThat(j.get("n").asInt()).isEqualTo(150);
        JsonNode source = j.get("source");
        assertThat(source.get("underItsOwnAttack").asDouble()).as("FGSM eps 0.3 on the model it was made on")
                .isLessThan(source.get("clean").asDouble());
        JsonNode e = j.get("ensembles").get(0);
        assertThat(e.get("members").asInt()).isEqualTo(3);
        assertThat(e.get("baselineMember").asBoolean()).isFalse();
        JsonNode table = e.get("table");
        assertThat(table).as("sizes 1 and 2, 5 dropped, the whole 3 added").hasSize(3);
        assertThat(table.get(2).get("n").asInt()).isEqualTo(3);
        // the clean votes of the whole ensemble, recomputed from the members in Java
        DigitSet held = DigitSets.read("held", data[0], data[1], DigitSets.DIGITS).head(150);
        float[][][] p = TestDigitModels.memberProbabilities(members, held.images());
        for (Vote v : Vote.values()) {
            int ok = 0;
            for (int i = 0; i < held.size(); i++) {
                ok += v.decide(p[i]).label() == held.labels()[i] ? 1 : 0;
            }
            assertThat(table.get(2).get("clean").get(v.wire()).asDouble()).as(v.wire())
                    .isCloseTo(ok / 150.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        for (JsonNode row : table) {
            assertThat(row.get("attacked").get("mean").asDouble()).isBetween(0.0, 1.0);
            assertThat(row.get("detectorAuc").asDouble()).isBetween(0.0, 1.0);
        }
        assertThat(e.get("singleMembers").get("bestByClean").get("member").asText()).startsWith("m");
        assertThat(e.get("detectorTransferred").get("threshold").asDouble()).isEqualTo(0.2);
        JsonNode fgsm = e.get("whiteBox").get("fgsm");
        assertThat(fgsm.get("accuracy").get("mean").asDouble()).as("white-box FGSM eps 0.3 on the ensemble's own gradient")
                .isLessThan(table.get(2).get("clean").get("mean").asDouble());
        assertThat(e.get("genetic").get("vote").asText()).isEqualTo("max");
        assertThat(e.get("genetic").get("n").asInt()).isEqualTo(4);
        assertThat(j.get("seed").get("maxVoteTransferred").get("bootstrap").get("n50").asDouble()).isEqualTo(0.57);
    }

    @Test
    void benchComparesTheFusedGraphWithOneSessionPerMember(@TempDir Path runtime) throws Exception {
        JsonNode j = EvalDigitsTest.cli("bench", "ensemble", "--model-dir", ensemble.toString(), "--seconds", "0.2", "--rounds", "1",
                "--batches", "1,16", "--runtime", runtime.toString()).json();
        assertThat(j.get("members").asInt()).isEqualTo(3);
        assertThat(j.get("inProcess").get("batch16").get("fusedDigitsPerSecond").asDouble()).isPositive();
        assertThat(j.get("inProcess").get("batch16").get("separateSessionsDigitsPerSecond").asDouble()).isPositive();
        assertThat(j.get("service").asText()).startsWith("not run");
        try (var files = Files.list(runtime.resolve("bench"))) {
            assertThat(files).anyMatch(f -> f.getFileName().toString().startsWith("ensemble-"));
        }
    }

    private static EvalEnsemble parse(String... args) {
        EvalEnsemble e = new EvalEnsemble();
        new picocli.CommandLine(e).parseArgs(args);
        return e;
    }

    @Test
    void badOptionsAreRefusedByName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--data", "mnist", "--attack", "genetic").validate())
                .hasMessageContaining("--attack is fgsm or pgd");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--data", "mnist", "--vote", "median").validate())
                .hasMessageContaining("unknown vote 'median'");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--data", "mnist", "--holdout", "1.5").validate())
                .hasMessageContaining("--holdout must be in (0, 1)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--data", "mnist", "--white-box", "cw").validate())
                .hasMessageContaining("--white-box takes fgsm, pgd or none");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse().validate()).hasMessageContaining("--data");
    }
}
