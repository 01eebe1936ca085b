package io.quorum.training.steps;

import io.quorum.training.api.Gate;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.util.List;
import java.util.Map;

/**
 * The promotion gate of image classifiers ({@code digit-classifier}): clean validation accuracy (an absolute minimum
 * and a largest regression against the champion) and robustness: the accuracy under a configured white-box attack
 * ({@code gate-attack} at {@code gate-eps}, PGD eps 0.1 by default) may not regress against the champion's recorded
 * figure by more than {@code max-robust-regression}.
 */
public final class DigitParams {

    /** Gate parameter: the lowest clean validation accuracy that may become champion. */
    public static final String MIN_ACCURACY = "min-accuracy";
    /** Gate parameter: the largest clean-accuracy regression against the champion. */
    public static final String MAX_REGRESSION = "max-regression";
    /** Gate parameter: the attack whose accuracy the gate compares ({@code fgsm} or {@code pgd}). */
    public static final String GATE_ATTACK = "gate-attack";
    /** Gate parameter: that attack's L-inf budget. */
    public static final String GATE_EPS = "gate-eps";
    /** Gate parameter: the largest regression of the accuracy under that attack against the champion. */
    public static final String MAX_ROBUST_REGRESSION = "max-robust-regression";
    /** The clean validation accuracy metric. */
    public static final String ACCURACY = "accuracy";
    public static final double DEFAULT_MIN_ACCURACY = 0.9;
    public static final double DEFAULT_MAX_REGRESSION = 0.01;
    public static final String DEFAULT_GATE_ATTACK = "pgd";
    public static final double DEFAULT_GATE_EPS = 0.1;
    public static final double DEFAULT_MAX_ROBUST_REGRESSION = 0.02;

    private DigitParams() {
    }

    /** Adds the gate's parameters to a job's {@code parameters()}. */
    public static void declare(Map<String, String> p) {
        p.put(MIN_ACCURACY, DEFAULT_MIN_ACCURACY + " - gate: lowest clean validation accuracy that may become champion");
        p.put(MAX_REGRESSION, DEFAULT_MAX_REGRESSION + " - gate: largest clean-accuracy regression against the champion");
        p.put(GATE_ATTACK, DEFAULT_GATE_ATTACK + " - gate: the attack (fgsm or pgd) whose accuracy may not regress");
        p.put(GATE_EPS, DEFAULT_GATE_EPS + " - gate: that attack's L-inf eps");
        p.put(MAX_ROBUST_REGRESSION, DEFAULT_MAX_ROBUST_REGRESSION
                + " - gate: largest regression of the accuracy under that attack against the champion");
    }

    /** The attack the gate reads (its metric is computed by the job). */
    public static Robustness.Attack gateAttack(JobParams params) throws JobFailedException {
        String attack = params.oneOf(GATE_ATTACK, DEFAULT_GATE_ATTACK, "fgsm", "pgd");
        double eps = params.number(GATE_EPS, DEFAULT_GATE_EPS);
        if (!(eps > 0 && eps <= 1)) {
            throw new JobFailedException(GATE_EPS + " must be in (0, 1], got " + eps);
        }
        return new Robustness.Attack(attack, eps);
    }

    /** The gate of a classifier trained with {@code params}. */
    public static Gate gate(JobParams params) throws JobFailedException {
        Robustness.Attack attack = gateAttack(params);
        return new Gate(List.of(
                new Gate.Threshold(ACCURACY, true, params.number(MIN_ACCURACY, DEFAULT_MIN_ACCURACY),
                        params.number(MAX_REGRESSION, DEFAULT_MAX_REGRESSION)),
                new Gate.Threshold(attack.metric(), true, null,
                        params.number(MAX_ROBUST_REGRESSION, DEFAULT_MAX_ROBUST_REGRESSION))));
    }
}
