package io.quorum.training.steps;

import io.quorum.shared.eval.BinaryMetrics;
import io.quorum.training.api.Gate;
import io.quorum.training.api.JobFailedException;
import io.quorum.training.api.JobParams;
import java.util.List;
import java.util.Map;

/**
 * What the pair jobs ({@code pair-scorer}, {@code pair-aligner}, {@code minilm-siamese}) share beside their own
 * parameters: the data layout and rows, the split or cross-validation fold ({@link PairSplits}), and the promotion
 * gate these configure: validation accuracy and log loss, each with an absolute bound and a largest regression
 * against the champion.
 */
public final class PairParams {

    /** Gate parameter: the lowest validation accuracy that may become champion. */
    public static final String MIN_ACCURACY = "min-accuracy";
    /** Gate parameter: the highest validation log loss that may become champion. */
    public static final String MAX_LOGLOSS = "max-logloss";
    /** Gate parameter: the largest accuracy or log-loss regression against the champion. */
    public static final String MAX_REGRESSION = "max-regression";
    public static final double DEFAULT_MIN_ACCURACY = 0.5;
    public static final double DEFAULT_MAX_LOGLOSS = 0.69;
    public static final double DEFAULT_MAX_REGRESSION = 0.01;

    private PairParams() {
    }

    /** Adds the shared parameters to a job's {@code parameters()}; {@code devUse} says what its dev split is for. */
    public static void declare(Map<String, String> p, String devUse) {
        p.put(PairSplits.VALIDATION, PairSplits.DEFAULT_VALIDATION + " - fraction held out for the reported metrics");
        p.put(PairSplits.DEV, PairSplits.DEFAULT_DEV + " - fraction of the rest for " + devUse);
        p.put(MIN_ACCURACY, DEFAULT_MIN_ACCURACY + " - gate: lowest validation accuracy that may become champion");
        p.put(MAX_LOGLOSS, DEFAULT_MAX_LOGLOSS + " - gate: highest validation log loss that may become champion");
        p.put(MAX_REGRESSION, DEFAULT_MAX_REGRESSION + " - gate: largest accuracy/log-loss regression against the champion");
        p.put("format", "auto - file layout: auto, qqp or mrpc");
        p.put("rows", "all - use only the first N rows of a file");
        p.put(PairSplits.FOLD, "- cross-validation: use fold k (0-based) of 'folds' as validation");
        p.put(PairSplits.FOLDS, PairSplits.DEFAULT_FOLDS + " - number of folds when 'fold' is given");
    }

    /** The gate of a pair model trained with {@code params}. */
    public static Gate gate(JobParams params) throws JobFailedException {
        double maxRegression = params.number(MAX_REGRESSION, DEFAULT_MAX_REGRESSION);
        return new Gate(List.of(
                new Gate.Threshold(BinaryMetrics.ACCURACY, true, params.number(MIN_ACCURACY, DEFAULT_MIN_ACCURACY), maxRegression),
                new Gate.Threshold(BinaryMetrics.LOGLOSS, false, params.number(MAX_LOGLOSS, DEFAULT_MAX_LOGLOSS), maxRegression)));
    }
}
