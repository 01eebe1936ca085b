package io.quorum.cli;

import io.quorum.vision.ensemble.Detector;
import io.quorum.vision.ensemble.Disagreement;
import io.quorum.vision.ensemble.OnnxEnsemble;
import io.quorum.vision.ensemble.Vote;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of {@code eval ensemble} from member probabilities ({@code [N][M][C]}, one fused call per image set): any
 * subset of the members (the first n trained ones, with or without the baseline member) voted three ways, the
 * detector's ROC AUC between two image sets, the best single member. Plain arithmetic on arrays, tested on its own.
 */
final class EnsembleFigures {

    private EnsembleFigures() {
    }

    /** The members {@code indices} of every image. */
    static float[][][] select(float[][][] members, int[] indices) {
        float[][][] out = new float[members.length][indices.length][];
        for (int i = 0; i < members.length; i++) {
            for (int k = 0; k < indices.length; k++) {
                out[i][k] = members[i][indices[k]];
            }
        }
        return out;
    }

    /** The indices of the first {@code n} of {@code trained}, plus {@code baseline} when it is >= 0. */
    static int[] subset(List<Integer> trained, int n, int baseline) {
        int[] idx = new int[n + (baseline >= 0 ? 1 : 0)];
        for (int k = 0; k < n; k++) {
            idx[k] = trained.get(k);
        }
        if (baseline >= 0) {
            idx[n] = baseline;
        }
        return idx;
    }

    /** Accuracy of each vote: {@code {"mean": .., "max": .., "majority": ..}}. */
    static Map<String, Double> votes(float[][][] members, int[] labels) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Vote v : Vote.values()) {
            out.put(v.wire(), round(accuracy(OnnxEnsemble.predictions(members, v), labels)));
        }
        return out;
    }

    static double accuracy(int[] predictions, int[] labels) {
        int ok = 0;
        for (int i = 0; i < labels.length; i++) {
            ok += predictions[i] == labels[i] ? 1 : 0;
        }
        return labels.length == 0 ? Double.NaN : ok / (double) labels.length;
    }

    /** ROC AUC of the members' disagreement telling {@code adversarial} images from {@code clean} ones. */
    static double detectorAuc(float[][][] clean, float[][][] adversarial) {
        return Detector.rocAuc(Disagreement.mutualInformation(clean), Disagreement.mutualInformation(adversarial));
    }

    /**
     * One row of the seed's table: the first {@code n} trained members (and the baseline member when {@code baseline}
     * >= 0), clean and attacked accuracy under each vote, and the detector's AUC between the two.
     */
    static Map<String, Object> row(float[][][] clean, float[][][] attacked, int[] labels, List<Integer> trained, int n,
                                   int baseline) {
        int[] idx = subset(trained, n, baseline);
        float[][][] c = select(clean, idx);
        float[][][] a = select(attacked, idx);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("n", n);
        row.put("baseline", baseline >= 0);
        row.put("clean", votes(c, labels));
        row.put("attacked", votes(a, labels));
        row.put("detectorAuc", round(detectorAuc(c, a)));
        return row;
    }

    /** Each single member's accuracy (clean and attacked) and the best one by clean accuracy, as the seed picked it. */
    static Map<String, Object> singleMembers(float[][][] clean, float[][][] attacked, int[] labels, List<Integer> trained,
                                             List<String> names) {
        int best = -1;
        double bestClean = -1;
        double sumClean = 0;
        double sumAttacked = 0;
        double bestAttackedAny = -1;
        List<Double> cleanAcc = new ArrayList<>();
        List<Double> attackedAcc = new ArrayList<>();
        for (int k : trained) {
            double c = accuracy(OnnxEnsemble.predictions(select(clean, new int[] {k}), Vote.MEAN), labels);
            double a = accuracy(OnnxEnsemble.predictions(select(attacked, new int[] {k}), Vote.MEAN), labels);
            cleanAcc.add(c);
            attackedAcc.add(a);
            sumClean += c;
            sumAttacked += a;
            bestAttackedAny = Math.max(bestAttackedAny, a);
            if (c > bestClean) {
                bestClean = c;
                best = k;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        int at = trained.indexOf(best);
        out.put("bestByClean", Map.of("member", names.get(best), "clean", round(cleanAcc.get(at)),
                "attacked", round(attackedAcc.get(at))));
        out.put("meanClean", round(sumClean / trained.size()));
        out.put("meanAttacked", round(sumAttacked / trained.size()));
        out.put("bestAttacked", round(bestAttackedAny));
        return out;
    }

    /** Flag rates and AUC of the ensemble's own threshold on a clean and an attacked set (all members). */
    static Map<String, Object> detector(float[][][] clean, float[][][] attacked, Double threshold) {
        double[] c = Disagreement.mutualInformation(clean);
        double[] a = Disagreement.mutualInformation(attacked);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("rocAuc", round(Detector.rocAuc(c, a)));
        if (threshold != null) {
            out.put("threshold", threshold);
            out.put("cleanFlagged", round(Detector.flagged(c, threshold)));
            out.put("attackedFlagged", round(Detector.flagged(a, threshold)));
        }
        return out;
    }

    static Double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e4) / 1e4 : null;
    }
}
