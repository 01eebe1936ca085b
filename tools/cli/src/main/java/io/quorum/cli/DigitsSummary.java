package io.quorum.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one attacked evaluation, computed the same way whether the adversarials were made in process or by
 * the adversarial service: accuracy on the clean and on the adversarial images, success rate (untargeted: the
 * prediction is not the label, so images already misclassified count, as in every robustness figure here; targeted:
 * the target is predicted), mean perturbation size and mean queries (per image, and per successful image).
 */
record DigitsSummary(int n, double accuracy, double adversarialAccuracy, double successRate, double meanLinf,
                     double meanL2, double meanQueries, double queriesPerSuccess) {

    static DigitsSummary of(int[] labels, int[] before, int[] after, boolean[] success, double[] linf, double[] l2,
                            long[] queries) {
        int n = labels.length;
        int okBefore = 0;
        int okAfter = 0;
        int succ = 0;
        double sumLinf = 0;
        double sumL2 = 0;
        double sumQ = 0;
        double sumQSucc = 0;
        for (int i = 0; i < n; i++) {
            okBefore += before[i] == labels[i] ? 1 : 0;
            okAfter += after != null && after[i] == labels[i] ? 1 : 0;
            if (success != null && success[i]) {
                succ++;
                sumQSucc += queries[i];
            }
            if (linf != null) {
                sumLinf += linf[i];
                sumL2 += l2[i];
            }
            if (queries != null) {
                sumQ += queries[i];
            }
        }
        double nan = Double.NaN;
        return new DigitsSummary(n, n == 0 ? nan : okBefore / (double) n,
                after == null || n == 0 ? nan : okAfter / (double) n,
                success == null || n == 0 ? nan : succ / (double) n,
                linf == null || n == 0 ? nan : sumLinf / n, l2 == null || n == 0 ? nan : sumL2 / n,
                queries == null || n == 0 ? nan : sumQ / n, succ == 0 ? nan : sumQSucc / succ);
    }

    /** The figures as JSON fields ({@code null} where undefined); {@code blackBox} adds queries per success. */
    Map<String, Object> json(boolean attacked, boolean blackBox) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("n", n);
        out.put("accuracy", round(accuracy));
        if (attacked) {
            out.put("adversarialAccuracy", round(adversarialAccuracy));
            out.put("successRate", round(successRate));
            out.put("meanLinf", round(meanLinf));
            out.put("meanL2", round(meanL2));
            out.put("meanQueries", round(meanQueries));
            if (blackBox) {
                out.put("queriesPerSuccess", round(queriesPerSuccess));
            }
        }
        return out;
    }

    static Double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null;
    }
}
