package io.quorum.training.api;

import io.quorum.shared.model.DigitClassifierSpec;
import io.quorum.shared.model.ModelProperties;
import io.quorum.shared.model.PairAlignerSpec;
import io.quorum.shared.model.PairScorerSpec;
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

    /**
     * Properties that fix what a model consumes: the embedder whose vectors it scores, their dimension, the feature set
     * of an aligner; for image classifiers the data set, the class names and the image size. A candidate that differs
     * from the champion in one of them would not fit what the serving services send it (or would answer in other
     * classes), so it is never promoted automatically: the embedding service (or the inputs) has to be switched first.
     */
    public static final List<String> SERVING_CONTRACT = List.of(PairScorerSpec.META_EMBEDDER, ModelProperties.DIMENSION,
            PairAlignerSpec.META_FEATURES, DigitClassifierSpec.META_DATASET, DigitClassifierSpec.META_CLASSES,
            DigitClassifierSpec.META_HEIGHT, DigitClassifierSpec.META_WIDTH);

    /**
     * Whether a candidate with {@code candidate} properties can take the place of a champion with {@code champion}
     * properties (null: no champion) without the services changing what they send it. Reasons name each difference.
     */
    public static Result servingContract(String model, Map<String, String> candidate, Map<String, String> champion) {
        List<String> reasons = new ArrayList<>();
        if (champion == null) {
            return new Result(true, reasons);
        }
        for (String key : SERVING_CONTRACT) {
            String was = champion.get(key);
            String now = candidate.get(key);
            if (was != null && now != null && !was.equals(now)) {
                reasons.add(String.format("%s differs from the champion's (%s, not %s): not promoted automatically; "
                        + "serve %s first, then ./quorum promote %s <version>", key, now, was,
                        key.equals(PairScorerSpec.META_EMBEDDER) ? "that embedder (quorum.embedding.*-embedder)" : "matching inputs",
                        model));
            }
        }
        return new Result(reasons.isEmpty(), reasons);
    }

    /** Both verdicts: passes when both pass, with the reasons of both. */
    public static Result both(Result a, Result b) {
        List<String> reasons = new ArrayList<>(a.reasons());
        reasons.addAll(b.reasons());
        return new Result(a.pass() && b.pass(), reasons);
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
            if (t.absolute() == null && (t.maxRegression() == null || champion == null)) {
                reasons.add(String.format("%s %.4f (no champion to compare with)", t.metric(), v));
            }
            if (t.maxRegression() != null && champion != null && champion.get(t.metric()) == null) {
                reasons.add(String.format("%s %.4f: the champion has no such figure; not compared", t.metric(), v));
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
