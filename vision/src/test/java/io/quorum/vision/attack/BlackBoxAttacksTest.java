package io.quorum.vision.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.vision.data.DigitSet;
import io.quorum.vision.model.Classifier;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The genetic attack and fooling images on a softmax regression trained on real MNIST digits. */
class BlackBoxAttacksTest {

    /** Counts the calls and images a black-box attack makes; nothing else is reachable through it. */
    static final class Counting implements Classifier {
        final Classifier inner;
        long calls;
        long images;

        Counting(Classifier inner) {
            this.inner = inner;
        }

        @Override
        public int classes() {
            return inner.classes();
        }

        @Override
        public int inputSize() {
            return inner.inputSize();
        }

        @Override
        public float[][] probabilities(float[][] x) {
            calls++;
            images += x.length;
            return inner.probabilities(x);
        }
    }

    private static void assertInBallAndUnitInterval(float[][] clean, float[][] adv, double eps) {
        for (int i = 0; i < clean.length; i++) {
            assertThat(Perturbation.linf(clean[i], adv[i])).as("image %d", i).isLessThanOrEqualTo(eps + 1e-6);
            for (float v : adv[i]) {
                assertThat(v).isBetween(0f, 1f);
            }
        }
    }

    @Test
    void untargetedGeneticAttackStaysInTheBallWithinTheBudgetAndReallyFoolsTheModel() {
        LinearModel m = MnistSoftmax.model();
        DigitSet test = MnistSoftmax.heldOut(60);
        AttackParams p = AttackParams.parse(Map.of("eps", "0.2", "max-queries", "2000", "generations", "2000"));
        Counting target = new Counting(m);
        Outcome o = new GeneticAttack().run(target, test.images(), test.labels(), p, new Random(1));

        assertInBallAndUnitInterval(test.images(), o.adversarial(), 0.2);
        assertThat(Arrays.stream(o.queries()).min().orElseThrow()).isGreaterThanOrEqualTo(1);
        assertThat(Arrays.stream(o.queries()).max().orElseThrow()).isLessThanOrEqualTo(2000);
        // every image evaluated counts: the reported queries are exactly what the model saw
        assertThat(Arrays.stream(o.queries()).sum()).isEqualTo(target.images);
        // batched: one call for the clean images, then one per generation (the longest search decides how many)
        long generations = 1 + (Arrays.stream(o.queries()).max().orElseThrow() - 1 - p.population()) / (p.population() - 1) + 1;
        assertThat(target.calls).isLessThanOrEqualTo(generations + 1);

        AttackReport r = AttackReport.score(m, test.images(), test.labels(), o, -1, 0);
        assertThat(r.accuracyBefore()).isGreaterThanOrEqualTo(0.75);
        assertThat(r.accuracyAfter()).isLessThan(0.3); // white-box PGD at this eps: 0.05
        int[] after = Classifier.argmax(m.probabilities(o.adversarial()));
        for (int i = 0; i < test.size(); i++) {
            assertThat(r.item(i).success()).isEqualTo(after[i] != test.labels()[i]);
        }
        assertThat(r.meanQueriesPerSuccess()).isGreaterThan(1);
    }

    @Test
    void targetedGeneticAttackReachesTheTargetClass() {
        LinearModel m = MnistSoftmax.model();
        DigitSet test = MnistSoftmax.heldOut(40);
        AttackParams p = AttackParams.parse(Map.of("eps", "0.3", "target", "3", "max-queries", "3000", "generations", "3000"));
        Outcome o = new GeneticAttack().run(m, test.images(), test.labels(), p, new Random(2));
        assertInBallAndUnitInterval(test.images(), o.adversarial(), 0.3);
        AttackReport r = AttackReport.score(m, test.images(), test.labels(), o, 3, 0);
        // white-box PGD (100 steps) reaches 0.975 here; a black-box search with 3,000 queries about 0.7
        assertThat(r.successRate()).isGreaterThan(0.6);
        int[] after = Classifier.argmax(m.probabilities(o.adversarial()));
        for (int i = 0; i < test.size(); i++) {
            assertThat(r.item(i).success()).isEqualTo(after[i] == 3);
        }
    }

    @Test
    void aSmallBudgetIsNeverExceededAndAnImageAlreadyWrongCostsOneQuery() {
        LinearModel m = MnistSoftmax.model();
        DigitSet test = MnistSoftmax.heldOut(200);
        int[] pred = Classifier.argmax(m.probabilities(test.images()));
        int wrong = -1;
        for (int i = 0; i < pred.length && wrong < 0; i++) {
            if (pred[i] != test.labels()[i]) {
                wrong = i;
            }
        }
        assertThat(wrong).as("a held-out digit the model gets wrong").isGreaterThanOrEqualTo(0);
        AttackParams p = AttackParams.parse(Map.of("eps", "0.02", "max-queries", "25"));
        Outcome o = new GeneticAttack().run(m, test.images(), test.labels(), p, new Random(3));
        assertThat(Arrays.stream(o.queries()).max().orElseThrow()).isLessThanOrEqualTo(25);
        assertThat(o.queries()[wrong]).isEqualTo(1);
        assertThat(o.adversarial()[wrong]).isEqualTo(test.images()[wrong]);
        assertInBallAndUnitInterval(test.images(), o.adversarial(), 0.02);
    }

    @Test
    void foolingImagesReachTheConfidenceForEveryClassInTurn() {
        LinearModel m = MnistSoftmax.model();
        int n = 20;
        AttackParams p = AttackParams.parse(Map.of("confidence", "0.99", "max-queries", "4000", "generations", "4000"));
        Counting target = new Counting(m);
        Outcome o = new FoolingImages().run(target, new float[n][784], null, p, new Random(4));
        int[] targets = FoolingImages.targets(n, 10, p);
        assertThat(targets).startsWith(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0);
        assertThat(Arrays.stream(o.queries()).min().orElseThrow()).isGreaterThanOrEqualTo(2);
        assertThat(Arrays.stream(o.queries()).max().orElseThrow()).isLessThanOrEqualTo(4000);
        assertThat(Arrays.stream(o.queries()).sum()).isEqualTo(target.images);
        AttackReport r = AttackReport.scoreFooling(m, o, targets, 0.99);
        float[][] probs = m.probabilities(o.adversarial());
        for (int i = 0; i < n; i++) {
            for (float v : o.adversarial()[i]) {
                assertThat(v).isBetween(0f, 1f);
            }
            boolean really = Classifier.argmax(new float[][] {probs[i]})[0] == targets[i] && probs[i][targets[i]] >= 0.99f;
            assertThat(r.item(i).success()).isEqualTo(really);
        }
        // class 1 is the hard one on this model: even white-box it tops out at p = 0.9976 over all of [0, 1]^784
        assertThat(r.successRate()).isGreaterThanOrEqualTo(0.85);
        assertThat(r.accuracyBefore()).isNaN();
    }

    @Test
    void foolingImagesAreNoise() {
        // they start from uniform noise: far from every real digit of the class they are taken for
        LinearModel m = MnistSoftmax.model();
        AttackParams p = AttackParams.parse(Map.of("target", "7", "max-queries", "3000", "generations", "3000"));
        Outcome o = new FoolingImages().run(m, new float[3][784], null, p, new Random(5));
        DigitSet sevens = MnistSoftmax.heldOut(300);
        for (float[] img : o.adversarial()) {
            double mean = 0;
            for (float v : img) {
                mean += v / img.length;
            }
            assertThat(mean).as("a noise image, not a thin-stroke digit").isGreaterThan(0.25);
            for (int i = 0; i < sevens.size(); i++) {
                if (sevens.labels()[i] == 7) {
                    assertThat(Perturbation.linf(img, sevens.images()[i])).isGreaterThan(0.5);
                }
            }
        }
    }

    @Test
    void attacksAreLookedUpByName() {
        assertThat(Attacks.NAMES).containsExactly("fgsm", "pgd", "genetic", "fooling");
        assertThat(Attacks.whiteBox("FGSM")).isInstanceOf(Fgsm.class);
        assertThat(Attacks.whiteBox("pgd").name()).isEqualTo("pgd");
        assertThat(Attacks.blackBox("genetic").name()).isEqualTo("genetic");
        assertThat(Attacks.blackBox("fooling").name()).isEqualTo("fooling");
        assertThat(Attacks.isWhiteBox("pgd")).isTrue();
        assertThat(Attacks.isWhiteBox("genetic")).isFalse();
        assertThat(Attacks.isBlackBox("fooling")).isTrue();
        assertThat(Attacks.isKnown("deepfool")).isFalse();
        assertThatThrownBy(() -> Attacks.whiteBox("genetic")).hasMessageContaining("not a white-box attack");
        assertThatThrownBy(() -> Attacks.blackBox("cw")).hasMessageContaining("all attacks: fgsm, pgd, genetic, fooling");

        LinearModel m = MnistSoftmax.model();
        DigitSet test = MnistSoftmax.heldOut(5);
        Classifier blackBoxOnly = new Counting(m);
        assertThatThrownBy(() -> Attacks.run("fgsm", blackBoxOnly, test.images(), test.labels(),
                AttackParams.defaults(), new Random(6))).hasMessageContaining("needs the model's input gradient");
        Outcome o = Attacks.run("fgsm", m, test.images(), test.labels(), AttackParams.parse(Map.of("eps", "0.1")), new Random(6));
        assertInBallAndUnitInterval(test.images(), o.adversarial(), 0.1);
    }
}
