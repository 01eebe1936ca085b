package io.quorum.faces.probe;

/**
 * Ridge regression in closed form on standardised features: {@code w = (X'X + lambda I)^-1 X'(y - mean y)} solved by
 * Cholesky, features centred and scaled by the training mean and standard deviation, intercept = the training mean.
 */
public final class Ridge {

    private final double[] mean;
    private final double[] scale;
    private final double[] w;
    private final double intercept;

    private Ridge(double[] mean, double[] scale, double[] w, double intercept) {
        this.mean = mean;
        this.scale = scale;
        this.w = w;
        this.intercept = intercept;
    }

    public static Ridge fit(float[][] x, double[] y, double lambda) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        for (float[] row : x) {
            for (int j = 0; j < d; j++) {
                scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < d; j++) {
            scale[j] = Math.sqrt(scale[j] / n);
            if (scale[j] < 1e-8) {
                scale[j] = 1;
            }
        }
        double ym = 0;
        for (double v : y) {
            ym += v;
        }
        ym /= n;
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                z[i][j] = (x[i][j] - mean[j]) / scale[j];
            }
        }
        double[] a = new double[d * d];
        double[] b = new double[d];
        for (int i = 0; i < n; i++) {
            double[] zi = z[i];
            double yi = y[i] - ym;
            for (int j = 0; j < d; j++) {
                double v = zi[j];
                if (v == 0) {
                    continue;
                }
                b[j] += v * yi;
                int row = j * d;
                for (int k = j; k < d; k++) {
                    a[row + k] += v * zi[k];
                }
            }
        }
        for (int j = 0; j < d; j++) {
            a[j * d + j] += lambda;
            for (int k = 0; k < j; k++) {
                a[j * d + k] = a[k * d + j];
            }
        }
        return new Ridge(mean, scale, choleskySolve(a, b, d), ym);
    }

    /** The fitted model as one affine map on raw features: {@code predict(x) = weights . x + bias}. */
    public record Linear(double[] weights, double bias) {
    }

    /** Folds the standardisation into the weights: {@code w_j / scale_j} and {@code intercept - sum w_j mean_j / scale_j}. */
    public Linear linear() {
        double[] v = new double[w.length];
        double b = intercept;
        for (int j = 0; j < w.length; j++) {
            v[j] = w[j] / scale[j];
            b -= v[j] * mean[j];
        }
        return new Linear(v, b);
    }

    public double predict(float[] x) {
        double s = intercept;
        for (int j = 0; j < w.length; j++) {
            s += w[j] * (x[j] - mean[j]) / scale[j];
        }
        return s;
    }

    public double[] predict(float[][] x) {
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = predict(x[i]);
        }
        return out;
    }

    /** Solves {@code A x = b} for a symmetric positive-definite {@code A} (row-major, overwritten). */
    static double[] choleskySolve(double[] a, double[] b, int d) {
        for (int j = 0; j < d; j++) {
            double s = a[j * d + j];
            for (int k = 0; k < j; k++) {
                s -= a[j * d + k] * a[j * d + k];
            }
            if (s <= 0) {
                throw new IllegalArgumentException("matrix not positive definite (raise lambda)");
            }
            double l = Math.sqrt(s);
            a[j * d + j] = l;
            for (int i = j + 1; i < d; i++) {
                double t = a[i * d + j];
                for (int k = 0; k < j; k++) {
                    t -= a[i * d + k] * a[j * d + k];
                }
                a[i * d + j] = t / l;
            }
        }
        double[] y = new double[d];
        for (int i = 0; i < d; i++) {
            double t = b[i];
            for (int k = 0; k < i; k++) {
                t -= a[i * d + k] * y[k];
            }
            y[i] = t / a[i * d + i];
        }
        double[] x = new double[d];
        for (int i = d - 1; i >= 0; i--) {
            double t = y[i];
            for (int k = i + 1; k < d; k++) {
                t -= a[k * d + i] * x[k];
            }
            x[i] = t / a[i * d + i];
        }
        return x;
    }

    /**
     * The lambda of {@code grid} with the lowest k-fold cross-validated MSE on the training data (folds by index
     * modulo k, so the choice never sees a validation image).
     */
    public static double chooseLambda(float[][] x, double[] y, double[] grid, int folds) {
        double best = grid[0];
        double bestMse = Double.POSITIVE_INFINITY;
        for (double lambda : grid) {
            double mse = 0;
            for (int f = 0; f < folds; f++) {
                java.util.List<float[]> tx = new java.util.ArrayList<>();
                java.util.List<Double> ty = new java.util.ArrayList<>();
                for (int i = 0; i < x.length; i++) {
                    if (i % folds != f) {
                        tx.add(x[i]);
                        ty.add(y[i]);
                    }
                }
                Ridge r = fit(tx.toArray(new float[0][]), ty.stream().mapToDouble(Double::doubleValue).toArray(), lambda);
                for (int i = f; i < x.length; i += folds) {
                    double e = r.predict(x[i]) - y[i];
                    mse += e * e;
                }
            }
            mse /= x.length;
            if (mse < bestMse) {
                bestMse = mse;
                best = lambda;
            }
        }
        return best;
    }
}
