package io.quorum.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quorum.shared.inference.InferenceOptions;
import io.quorum.shared.inference.OnnxSession;
import io.quorum.shared.model.DigitClassifierSpec;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The test classifiers follow the digits contract: {@code model.onnx} computes what the Java perceptron computes,
 * and {@code gradient.onnx} is the exact input gradient of the per-example cross-entropy (checked against finite
 * differences of the loss).
 */
class TestDigitModelsTest {

    @Test
    void theOnnxGraphsComputeTheModelAndItsExactInputGradient() throws Exception {
        TestDigitModels.Mlp m = TestDigitModels.random(36, 8, 4, 5);
        Random rnd = new Random(3);
        float[][] x = new float[5][36];
        int[] y = new int[5];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 36; j++) {
                x[i][j] = rnd.nextFloat();
            }
            y[i] = i % 4;
        }
        InferenceOptions cpu = InferenceOptions.cpu(1);
        try (OnnxSession model = OnnxSession.open(TestDigitModels.model(m, 6, 6).toBytes(), cpu);
             OnnxSession gradient = OnnxSession.open(TestDigitModels.gradient(m, 6, 6).toBytes(), cpu)) {
            DigitClassifierSpec.check(model, null);
            DigitClassifierSpec.checkGradient(gradient, 36, 4);
            assertThat(DigitClassifierSpec.shape(model.metadata())).containsExactly(6, 6);
            float[][] p = DigitClassifierSpec.probabilities(model, x);
            float[][] expected = m.probabilities(x);
            for (int i = 0; i < x.length; i++) {
                for (int c = 0; c < 4; c++) {
                    assertThat(p[i][c]).isCloseTo(expected[i][c], within(1e-5f));
                }
            }
            assertThat(DigitClassifierSpec.features(model, x)[0]).hasSize(8);
            DigitClassifierSpec.Gradients g = DigitClassifierSpec.gradients(gradient, x, y, 4);
            for (int i = 0; i < x.length; i++) {
                assertThat(g.loss()[i]).isCloseTo((float) -Math.log(expected[i][y[i]]), within(1e-4f));
                for (int j = 0; j < 36; j += 5) {
                    double h = 1e-3;
                    float[] up = x[i].clone();
                    float[] down = x[i].clone();
                    up[j] += (float) h;
                    down[j] -= (float) h;
                    double numeric = (-Math.log(m.probabilities(new float[][] {up})[0][y[i]])
                            + Math.log(m.probabilities(new float[][] {down})[0][y[i]])) / (2 * h);
                    assertThat((double) g.gradient()[i][j]).as("d loss_%d / d x_%d", i, j).isCloseTo(numeric, within(2e-3));
                }
            }
        }
    }

    @Test
    void trainingLearnsASeparableProblem() {
        Random rnd = new Random(1);
        float[][] x = new float[400][4];
        int[] y = new int[400];
        for (int i = 0; i < x.length; i++) {
            y[i] = i % 2;
            for (int j = 0; j < 4; j++) {
                x[i][j] = Math.min(1f, Math.max(0f, (y[i] == 1 ? 0.7f : 0.3f) + (float) rnd.nextGaussian() * 0.1f));
            }
        }
        TestDigitModels.Mlp m = TestDigitModels.train(x, y, 2, 8, 20, 7);
        assertThat(m.accuracy(x, y)).isGreaterThan(0.95);
    }
}
