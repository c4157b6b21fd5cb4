package io.github.dl4jssl.layers.impl;

/**
 * Batch normalisation (Ioffe &amp; Szegedy, ICML 2015) of a feature matrix {@code [N, C]}, the rank-2 input of the
 * BatchNorm layers in the projection and prediction MLPs of SimCLR, BYOL, MoCo v3 and SimSiam, computed on row-major
 * Java {@code double} arrays. Used by {@link NativeBatchNormalizationImpl}: DL4J 1.0.0-M2.1 builds the rank-2 case from
 * separate broadcast and strided reduction ops (about 21 ms forward and 16 ms backward for a [512, 512] batch, the
 * SimCLR projector's); these matrices are small (a few MB at most), so a few passes over a double copy cost well
 * under a millisecond each, and the statistics are exact to double precision whatever the array type.
 *
 * <p>Training mode uses the batch mean and biased variance of each column (two passes: the variance of x - mean);
 * the backward pass goes through them: with s = 1 / sqrt(var + eps), x&#770; = (x - mean) s,
 * dbeta = sum(dy), dgamma = sum(dy x&#770;), dx = gamma s (dy - dbeta / N - x&#770; dgamma / N).</p>
 */
final class FeatureBatchNorm {

    private FeatureBatchNorm() {
    }

    /** Column means of row-major {@code x [n, c]}. */
    static double[] mean(double[] x, int n, int c) {
        double[] mean = new double[c];
        for (int r = 0; r < n; r++) {
            int o = r * c;
            for (int j = 0; j < c; j++) {
                mean[j] += x[o + j];
            }
        }
        for (int j = 0; j < c; j++) {
            mean[j] /= n;
        }
        return mean;
    }

    /** Biased column variances of {@code x [n, c]} around {@code mean}. */
    static double[] biasedVariance(double[] x, int n, int c, double[] mean) {
        double[] var = new double[c];
        for (int r = 0; r < n; r++) {
            int o = r * c;
            for (int j = 0; j < c; j++) {
                double d = x[o + j] - mean[j];
                var[j] += d * d;
            }
        }
        for (int j = 0; j < c; j++) {
            var[j] /= n;
        }
        return var;
    }

    /** (x - mean) gamma / sqrt(var + eps) + beta, per column, into {@code y} (which may be {@code x}); returns y. */
    static double[] normalise(double[] x, int n, int c, double[] mean, double[] var, double[] gamma, double[] beta,
                              double eps, double[] y) {
        double[] scale = new double[c];
        double[] shift = new double[c];
        for (int j = 0; j < c; j++) {
            scale[j] = gamma[j] / Math.sqrt(var[j] + eps);
            shift[j] = beta[j] - mean[j] * scale[j];
        }
        for (int r = 0; r < n; r++) {
            int o = r * c;
            for (int j = 0; j < c; j++) {
                y[o + j] = x[o + j] * scale[j] + shift[j];
            }
        }
        return y;
    }

    /** The gradients of one training-mode backward pass. */
    record Gradients(double[] dx, double[] dGamma, double[] dBeta) {
    }

    /**
     * The backward pass through the batch statistics {@code mean, var} of {@code x}, for output gradient dy; dL/dx
     * goes into {@code dx} (which may be {@code dy}).
     */
    static Gradients backward(double[] x, double[] dy, int n, int c, double[] mean, double[] var, double[] gamma,
                              double eps, double[] dx) {
        double[] s = new double[c];
        for (int j = 0; j < c; j++) {
            s[j] = 1.0 / Math.sqrt(var[j] + eps);
        }
        double[] dBeta = new double[c];
        double[] dGamma = new double[c];
        for (int r = 0; r < n; r++) {
            int o = r * c;
            for (int j = 0; j < c; j++) {
                dBeta[j] += dy[o + j];
                dGamma[j] += dy[o + j] * (x[o + j] - mean[j]);
            }
        }
        double[] a = new double[c];
        double[] b = new double[c];
        double[] g = new double[c];
        for (int j = 0; j < c; j++) {
            dGamma[j] *= s[j];
            g[j] = gamma[j] * s[j];
            a[j] = -g[j] * s[j] * dGamma[j] / n;
            b[j] = -g[j] * dBeta[j] / n;
        }
        for (int r = 0; r < n; r++) {
            int o = r * c;
            for (int j = 0; j < c; j++) {
                dx[o + j] = g[j] * dy[o + j] + a[j] * (x[o + j] - mean[j]) + b[j];
            }
        }
        return new Gradients(dx, dGamma, dBeta);
    }
}
