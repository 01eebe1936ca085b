package io.quorum.vision.attack;

/** Size of a perturbation and the clipping every attack applies. */
public final class Perturbation {

    private Perturbation() {
    }

    /** max |a - b|. */
    public static double linf(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** sqrt(sum (a - b)^2). */
    public static double l2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    /** {@code v} clipped to the eps ball around {@code clean} and to [0, 1]. */
    public static float project(float v, float clean, double eps) {
        float lo = (float) Math.max(0.0, clean - eps);
        float hi = (float) Math.min(1.0, clean + eps);
        return v < lo ? lo : Math.min(v, hi);
    }

    /** {@code v} clipped to [0, 1]. */
    public static float clip(float v) {
        return v < 0f ? 0f : Math.min(v, 1f);
    }
}
