package io.quorum.training.steps;

import io.quorum.vision.attack.AttackParams;
import io.quorum.vision.attack.Fgsm;
import io.quorum.vision.attack.Pgd;
import io.quorum.vision.attack.WhiteBoxAttack;
import io.quorum.vision.model.GradientClassifier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Per-iteration adversarial training (Goodfellow et al. 2015; Kurakin et al. 2017; Madry et al. 2018): every
 * minibatch, a fraction {@code ratio} of its examples is replaced by adversarial versions made <i>on the model being
 * trained</i>, at that moment, by the same attack code the adversarial service serves (vision's {@link Fgsm} and
 * {@link Pgd}); the rest stay clean. {@code ratio = 1} is Madry et al.'s training on adversarials only, {@code 0.5}
 * Kurakin et al.'s half-and-half batches.
 *
 * @param attack {@code fgsm} or {@code pgd}
 * @param eps    L-inf budget of the training adversarials
 * @param steps    PGD iterations (from a random start); ignored by FGSM
 * @param stepSize PGD step; NaN for Madry et al.'s {@code 2.5 * eps / steps}. One step of {@code 1.25 * eps} from the
 *                 random start is Wong et al.'s "fast" adversarial training (FGSM from a random point, 2020)
 * @param ratio    fraction of each batch replaced by adversarials, in (0, 1]
 */
public record AdversarialTraining(String attack, double eps, int steps, double stepSize, double ratio) {

    /** A minibatch after mixing: the images (clean or adversarial), their labels, and which rows are adversarial. */
    public record Batch(float[][] images, int[] labels, boolean[] adversarial) {
        public int adversarialCount() {
            int n = 0;
            for (boolean a : adversarial) {
                n += a ? 1 : 0;
            }
            return n;
        }
    }

    public AdversarialTraining {
        if (!attack.equals("fgsm") && !attack.equals("pgd")) {
            throw new IllegalArgumentException("adversarial training attack must be fgsm or pgd, not " + attack);
        }
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("adv-ratio must be in (0, 1], not " + ratio);
        }
    }

    /** The attack's parameters (checked by {@link AttackParams}: eps in (0, 1], steps 1..1000). */
    public AttackParams params() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("eps", Double.toString(eps));
        p.put("steps", Integer.toString(attack.equals("pgd") ? steps : 1));
        p.put("random-start", Boolean.toString(attack.equals("pgd")));
        if (attack.equals("pgd") && !Double.isNaN(stepSize)) {
            p.put("step-size", Double.toString(stepSize));
        }
        return AttackParams.parse(p);
    }

    private WhiteBoxAttack whiteBox() {
        return attack.equals("pgd") ? new Pgd() : new Fgsm();
    }

    /**
     * The batch with its first {@code round(ratio * n)} examples (batches are shuffled, so these are a random choice)
     * replaced by adversarials made on {@code model} for their true labels; labels are unchanged.
     */
    public Batch mix(GradientClassifier model, float[][] images, int[] labels, Random rnd) {
        int n = images.length;
        int k = (int) Math.round(ratio * n);
        boolean[] adv = new boolean[n];
        float[][] out = images.clone();
        if (k > 0) {
            float[][] part = java.util.Arrays.copyOf(images, k);
            int[] partLabels = java.util.Arrays.copyOf(labels, k);
            float[][] made = whiteBox().run(model, part, partLabels, params(), rnd).adversarial();
            for (int i = 0; i < k; i++) {
                out[i] = made[i];
                adv[i] = true;
            }
        }
        return new Batch(out, labels.clone(), adv);
    }

    @Override
    public String toString() {
        return attack + (attack.equals("pgd") ? "-" + steps + (Double.isNaN(stepSize) ? "" : " step=" + stepSize) : "")
                + " eps=" + eps + " ratio=" + ratio;
    }
}
