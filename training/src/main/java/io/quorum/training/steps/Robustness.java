package io.quorum.training.steps;

import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.Fgsm;
import io.quorum.vision.attack.Outcome;
import io.quorum.vision.attack.Pgd;
import io.quorum.vision.attack.WhiteBoxAttack;
import io.quorum.vision.model.Classifier;
import io.quorum.vision.model.GradientClassifier;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Robustness figures of an image classifier: accuracy on clean images and on white-box adversarials made on the model
 * itself by vision's {@link Fgsm} and {@link Pgd} (the served attacks' code), each metric named
 * {@code <attack>_<eps>_accuracy} ({@code fgsm_0.3_accuracy}, {@code pgd_0.1_accuracy}). PGD runs {@code steps}
 * iterations of {@code 2.5 * eps / steps} from a random start drawn from the given seed.
 */
public final class Robustness {

    /** An attack and its L-inf budget. */
    public record Attack(String name, double eps) {
        public Attack {
            if (!name.equals("fgsm") && !name.equals("pgd")) {
                throw new IllegalArgumentException("attack must be fgsm or pgd, not " + name);
            }
            if (!(eps > 0 && eps <= 1)) {
                throw new IllegalArgumentException("eps must be in (0, 1], not " + eps);
            }
        }

        public String metric() {
            return Robustness.metric(name, eps);
        }
    }

    /** The figures every digits model is published with: FGSM eps 0.3 (the seed's), PGD eps 0.1 and 0.3. */
    public static final List<Attack> STANDARD = List.of(new Attack("fgsm", 0.3), new Attack("pgd", 0.1), new Attack("pgd", 0.3));

    private Robustness() {
    }

    /** {@code pgd_0.1_accuracy}. */
    public static String metric(String attack, double eps) {
        return attack + "_" + BigDecimal.valueOf(eps).stripTrailingZeros().toPlainString() + "_accuracy";
    }

    /** The fraction of {@code images} {@code model} classifies as {@code labels}. */
    public static double accuracy(Classifier model, float[][] images, int[] labels) {
        if (images.length == 0) {
            return Double.NaN;
        }
        int[] p = Classifier.argmax(model.probabilities(images));
        int ok = 0;
        for (int i = 0; i < p.length; i++) {
            ok += p[i] == labels[i] ? 1 : 0;
        }
        return ok / (double) p.length;
    }

    /** The adversarial images {@code attack} makes on {@code model} ({@code pgdSteps} iterations for PGD). */
    public static Outcome attack(GradientClassifier model, Attack attack, int pgdSteps, float[][] images, int[] labels, long seed) {
        WhiteBoxAttack a = attack.name().equals("pgd") ? new Pgd() : new Fgsm();
        AttackParams p = AttackParams.parse(Map.of("eps", Double.toString(attack.eps()), "steps",
                Integer.toString(attack.name().equals("pgd") ? pgdSteps : 1)));
        return a.run(model, images, labels, p, new Random(seed));
    }

    /** Accuracy under each of {@code attacks}, made on {@code model} itself, keyed by {@link Attack#metric()}. */
    public static Map<String, Double> figures(GradientClassifier model, float[][] images, int[] labels, List<Attack> attacks,
                                              int pgdSteps, long seed) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Attack a : attacks) {
            if (!out.containsKey(a.metric())) {
                out.put(a.metric(), accuracy(model, attack(model, a, pgdSteps, images, labels, seed).adversarial(), labels));
            }
        }
        return out;
    }
}
