package io.quorum.trainer.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A promotion gate, like MLflow's validation thresholds: for each metric an absolute bound and a largest
 * allowed regression against the current champion. A candidate that passes becomes champion.
 */
public record Gate(List<Threshold> thresholds) {

    /**
     * @param metric          metric name
     * @param higherIsBetter  direction
     * @param absolute        minimum (higher is better) or maximum (lower is better), or null
     * @param maxRegression   worst allowed change against the champion's value (absolute units), or null
     */
    public record Threshold(String metric, boolean higherIsBetter, Double absolute, Double maxRegression) {
    }

    /** The verdict and why. */
    public record Result(boolean pass, List<String> reasons) {
        public String summary() {
            return String.join("; ", reasons);
        }
    }

    public Result evaluate(Map<String, Double> candidate, Map<String, Double> champion) {
        List<String> reasons = new ArrayList<>();
        boolean pass = true;
        for (Threshold t : thresholds) {
            Double v = candidate.get(t.metric());
            if (v == null || v.isNaN()) {
                pass = false;
                reasons.add(t.metric() + " missing");
                continue;
            }
            if (t.absolute() != null) {
                boolean ok = t.higherIsBetter() ? v >= t.absolute() : v <= t.absolute();
                reasons.add(String.format("%s %.4f %s %s %.4f", t.metric(), v, ok ? "meets" : "fails",
                        t.higherIsBetter() ? "min" : "max", t.absolute()));
                pass &= ok;
            }
            if (t.maxRegression() != null && champion != null && champion.get(t.metric()) != null) {
                double c = champion.get(t.metric());
                double worse = t.higherIsBetter() ? c - v : v - c;
                boolean ok = worse <= t.maxRegression();
                reasons.add(String.format("%s %.4f vs champion %.4f (%s, tolerance %.4f)", t.metric(), v, c,
                        ok ? "ok" : "regression", t.maxRegression()));
                pass &= ok;
            }
        }
        return new Result(pass, reasons);
    }
}
