package io.quorum.training.steps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quorum.vision.attack.Fgsm;
import io.quorum.vision.attack.Perturbation;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The adversarial-training batch holds adversarials of the model being trained, within eps, beside untouched clean rows. */
class AdversarialTrainingTest {

    private static float[][] images(int n) {
        Nd4j.getRandom().setSeed(21);
        return Dl4jClassifier.rows(Nd4j.rand(DataType.FLOAT, n, Dl4jClassifierTest.SIDE * Dl4jClassifierTest.SIDE), n);
    }

    private static double meanLoss(Dl4jClassifier c, float[][] x, int[] y) {
        float[][] p = c.probabilities(x);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s -= Math.log(p[i][y[i]]);
        }
        return s / x.length;
    }

    @Test
    void fgsmBatchesMixTheServedAttacksAdversarialsWithCleanRows() {
        MultiLayerNetwork net = Dl4jClassifierTest.trainedNetwork(DataType.FLOAT, true);
        Dl4jClassifier c = new Dl4jClassifier(net, Dl4jClassifierTest.INPUT);
        float[][] x = images(40);
        int[] y = Dl4jClassifierTest.labels(40);
        AdversarialTraining t = new AdversarialTraining("fgsm", 0.1, 1, Double.NaN, 0.5);
        AdversarialTraining.Batch b = t.mix(c, x, y, new Random(1));

        assertThat(b.adversarialCount()).isEqualTo(20);
        assertThat(b.labels()).isEqualTo(y);
        float[][] fgsm = new Fgsm().run(c, java.util.Arrays.copyOf(x, 20), java.util.Arrays.copyOf(y, 20), t.params(),
                new Random(1)).adversarial();
        for (int i = 0; i < 40; i++) {
            if (b.adversarial()[i]) {
                assertThat(b.images()[i]).as("row %d is the served FGSM's adversarial", i).isEqualTo(fgsm[i]);
                assertThat(Perturbation.linf(x[i], b.images()[i])).isLessThanOrEqualTo(0.1 + 1e-6).isGreaterThan(0.099);
            } else {
                assertThat(b.images()[i]).as("row %d is clean", i).isSameAs(x[i]);
            }
            for (float v : b.images()[i]) {
                assertThat(v).isBetween(0f, 1f);
            }
        }
        float[][] adv = java.util.Arrays.copyOf(b.images(), 20);
        float[][] clean = java.util.Arrays.copyOf(x, 20);
        int[] labels = java.util.Arrays.copyOf(y, 20);
        assertThat(meanLoss(c, adv, labels)).as("the adversarials raise the model's loss").isGreaterThan(meanLoss(c, clean, labels));
    }

    @Test
    void pgdBatchesStayInTheEpsBall() {
        MultiLayerNetwork net = Dl4jClassifierTest.trainedNetwork(DataType.FLOAT, false);
        Dl4jClassifier c = new Dl4jClassifier(net, Dl4jClassifierTest.INPUT);
        float[][] x = images(16);
        int[] y = Dl4jClassifierTest.labels(16);
        AdversarialTraining.Batch b = new AdversarialTraining("pgd", 0.05, 5, Double.NaN, 1.0).mix(c, x, y, new Random(2));
        assertThat(b.adversarialCount()).isEqualTo(16);
        for (int i = 0; i < 16; i++) {
            assertThat(Perturbation.linf(x[i], b.images()[i])).isLessThanOrEqualTo(0.05 + 1e-6).isGreaterThan(0);
        }
        assertThat(meanLoss(c, b.images(), y)).isGreaterThan(meanLoss(c, x, y));
    }

    @Test
    void badSettingsAreRefused() {
        assertThatThrownBy(() -> new AdversarialTraining("genetic", 0.3, 1, Double.NaN, 0.5)).hasMessageContaining("fgsm or pgd");
        assertThatThrownBy(() -> new AdversarialTraining("fgsm", 0.3, 1, Double.NaN, 0)).hasMessageContaining("adv-ratio");
        assertThatThrownBy(() -> new AdversarialTraining("pgd", 1.5, 1, Double.NaN, 0.5).params()).hasMessageContaining("eps");
    }
}
