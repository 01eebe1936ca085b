package io.quorum.training.steps;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Platt scaling: {@code sigmoid(scale * logit(p) + shift)}, fitted to 0/1 labels by Newton's method. A prior worth one
 * pseudo-example pulls toward the identity (1, 0), so a separable calibration set does not send the scale to
 * infinity; the result is bounded (scale in [0.05, 5], shift in [-10, 10]) because a sharper logistic would also
 * magnify float32 rounding beyond the export's 1e-4 parity bound. Folded into a sigmoid output layer
 * ({@link #foldInto}), it makes the network itself, and so its ONNX export, calibrated.
 *
 * @param scale the slope on the logit
 * @param shift the offset added to it
 */
public record PlattCalibration(double scale, double shift) {

    /** No change: what too few rows or a failed fit give. */
    public static final PlattCalibration IDENTITY = new PlattCalibration(1, 0);
    /** Fewer calibration rows than this leave the probabilities as they are. */
    public static final int MIN_ROWS = 50;
    private static final double RIDGE = 1.0;
    private static final double CLAMP = 1e-7;

    /** Fits the calibration of probabilities {@code p} to {@code labels}; {@link #IDENTITY} below {@value #MIN_ROWS} rows. */
    public static PlattCalibration fit(double[] p, int[] labels) {
        int n = p.length;
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = logit(p[i]);
        }
        double a = 1;
        double c = 0;
        if (n < MIN_ROWS) {
            return IDENTITY;
        }
        for (int it = 0; it < 50; it++) {
            double ga = -RIDGE * (a - 1);
            double gc = -RIDGE * c;
            double haa = RIDGE;
            double hac = 0;
            double hcc = RIDGE;
            for (int i = 0; i < n; i++) {
                double s = 1 / (1 + Math.exp(-(a * z[i] + c)));
                double r = labels[i] - s;
                double w = s * (1 - s);
                ga += r * z[i];
                gc += r;
                haa += w * z[i] * z[i];
                hac += w * z[i];
                hcc += w;
            }
            double det = haa * hcc - hac * hac;
            if (det <= 1e-12) {
                break;
            }
            double da = (hcc * ga - hac * gc) / det;
            double dc = (haa * gc - hac * ga) / det;
            a += da;
            c += dc;
            if (Math.abs(da) + Math.abs(dc) < 1e-9) {
                break;
            }
        }
        if (!Double.isFinite(a) || !Double.isFinite(c) || a <= 0) {
            return IDENTITY;
        }
        return new PlattCalibration(Math.max(0.05, Math.min(5, a)), Math.max(-10, Math.min(10, c)));
    }

    /** The calibrated probability of {@code p}. */
    public double apply(double p) {
        return 1 / (1 + Math.exp(-(scale * logit(p) + shift)));
    }

    /**
     * Folds the calibration into a sigmoid output layer's weights {@code w} and bias {@code b} (changed in place):
     * {@code W := scale W, b := scale b + shift}. Nothing changes for {@link #IDENTITY}.
     */
    public void foldInto(INDArray w, INDArray b) {
        if (equals(IDENTITY)) {
            return;
        }
        w.muli(scale);
        b.muli(scale).addi(shift);
    }

    private static double logit(double p) {
        double q = Math.min(1 - CLAMP, Math.max(CLAMP, p));
        return Math.log(q / (1 - q));
    }
}
