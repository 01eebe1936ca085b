package io.quorum.training.selfai;

/**
 * The Huber loss of the Selfai fine-tuning stage (ND4J has none): per output value {@code d = prediction - label},
 * {@code 0.5 d^2} when {@code |d| <= delta}, else {@code delta (|d| - 0.5 delta)}; its gradient is {@code d} clipped to
 * {@code [-delta, delta]}. Quadratic near the target, linear for outliers (mislabelled or corrupt images).
 */
public final class HuberLoss extends HostLossFunction {

    private static final long serialVersionUID = 1L;

    private double delta = 1.0;

    /** For DL4J's JSON configuration. */
    public HuberLoss() {
    }

    public HuberLoss(double delta) {
        if (!(delta > 0)) {
            throw new IllegalArgumentException("delta must be > 0, got " + delta);
        }
        this.delta = delta;
    }

    public double getDelta() {
        return delta;
    }

    public void setDelta(double delta) {
        this.delta = delta;
    }

    /** The loss of one value: {@code d = prediction - label}. */
    public static double value(double d, double delta) {
        double a = Math.abs(d);
        return a <= delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
    }

    @Override
    float[] scores(float[] out, float[] y, float[] m, int n) {
        int k = out.length / n;
        float[] score = new float[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < k; j++) {
                double w = m == null ? 1 : m.length == n ? m[i] : m[i * k + j];
                s += w * value(out[i * k + j] - y[i * k + j], delta);
            }
            score[i] = (float) s;
        }
        return score;
    }

    @Override
    float[] gradient(float[] out, float[] y, float[] m, int n) {
        int k = out.length / n;
        float[] g = new float[out.length];
        for (int i = 0; i < out.length; i++) {
            double d = out[i] - y[i];
            double w = m == null ? 1 : m.length == n ? m[i / k] : m[i];
            g[i] = (float) (w * Math.max(-delta, Math.min(delta, d)));
        }
        return g;
    }

    @Override
    public String name() {
        return "huber(" + delta + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HuberLoss h && h.delta == delta;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(delta);
    }
}
