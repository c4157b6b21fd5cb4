package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CollapseMetricsTest {

    private static double[][] gaussian(int n, int d, long seed) {
        Random r = new Random(seed);
        double[][] a = new double[n][d];
        for (double[] row : a) {
            for (int j = 0; j < d; j++) {
                row[j] = r.nextGaussian();
            }
        }
        return a;
    }

    private static double[][] mul(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    @Test
    void rankOneIsFullyCollapsed() {
        int n = 50, d = 6;
        Random r = new Random(1);
        double[] u = new double[d];
        for (int j = 0; j < d; j++) {
            u[j] = r.nextGaussian();
        }
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            double t = r.nextGaussian();
            for (int j = 0; j < d; j++) {
                z[i][j] = t * u[j] + 3.0; // constant offset removed by centring
            }
        }
        for (CollapseMetrics.Solver solver : CollapseMetrics.Solver.values()) {
            CollapseMetrics.Result m = CollapseMetrics.compute(Nd4j.createFromArray(z), true, solver);
            assertEquals(1.0, m.auc(), 1e-6, solver.name());
            assertEquals(1.0, m.rankMe(), 1e-3, solver.name());
            assertEquals(1.0, m.cumulativeVariance()[0], 1e-6);
            assertEquals(d, m.dimension());
        }
    }

    @Test
    void isotropicGaussian() {
        // sorted sample eigenvalues spread by about +-2 sqrt(d/n) (Marchenko-Pastur), which lifts the
        // curve above the diagonal by O(sqrt(d/n)): n = 20000, d = 8 gives about +0.008
        int n = 20000, d = 8;
        CollapseMetrics.Result m = CollapseMetrics.compute(Nd4j.createFromArray(gaussian(n, d, 2)));
        assertEquals((d + 1) / (2.0 * d), m.auc(), 0.015);
        assertEquals(d, m.rankMe(), 0.05 * d);
        for (int k = 0; k < d; k++) {
            assertEquals((k + 1) / (double) d, m.cumulativeVariance()[k], 0.03);
        }
        // float input gives the same result
        CollapseMetrics.Result f = CollapseMetrics.compute(
                Nd4j.createFromArray(gaussian(n, d, 2)).castTo(DataType.FLOAT));
        assertEquals(m.auc(), f.auc(), 1e-5);
        assertEquals(m.rankMe(), f.rankMe(), 1e-4);
    }

    @Test
    void rankKOfD() {
        int n = 3000, d = 10, k = 3;
        // orthonormal-ish mixing: k isotropic latent directions embedded by a random orthogonal basis
        double[][] latent = gaussian(n, k, 3);
        double[][] basis = orthonormalRows(gaussian(k, d, 4));
        double[][] z = mul(latent, basis);
        // exact zeros below 1e-8 * s_1 need the SVD solver (the default EIGEN solver resolves about 1e-7)
        CollapseMetrics.Result m = CollapseMetrics.compute(Nd4j.createFromArray(z), true, CollapseMetrics.Solver.SVD);
        assertEquals(k, m.rankMe(), 0.1 * k);
        assertTrue(m.cumulativeVariance()[k - 2] < 0.99, Arrays.toString(m.cumulativeVariance()));
        assertEquals(1.0, m.cumulativeVariance()[k - 1], 1e-9);
        for (int j = k; j < d; j++) {
            assertEquals(0.0, m.singularValues()[j], 1e-8 * m.singularValues()[0]);
        }
        // r equal directions: AUC = (1/d)(sum_{j<r} j/r + (d-r+1)); close for nearly-equal ones
        double expected = (1.0 / d) * ((1.0 / k + 2.0 / k) + (d - k + 1));
        assertEquals(expected, m.auc(), 0.02);
    }

    @Test
    void singularValuesMatchPlainJavaJacobi() {
        int n = 12, d = 5;
        double[][] z = gaussian(n, d, 5);
        // scale columns so the values are distinct
        for (double[] row : z) {
            for (int j = 0; j < d; j++) {
                row[j] *= (j + 1);
            }
        }
        // independent: centre and eigenvalues of Z^T Z by cyclic Jacobi
        double[] mean = new double[d];
        for (double[] row : z) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        double[][] g = new double[d][d];
        for (double[] row : z) {
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    g[a][b] += (row[a] - mean[a]) * (row[b] - mean[b]);
                }
            }
        }
        double[] ev = jacobiEigenvalues(g);
        double[] expected = Arrays.stream(ev).map(v -> Math.sqrt(Math.max(0, v)))
                .boxed().sorted((x, y) -> Double.compare(y, x)).mapToDouble(Double::doubleValue).toArray();
        INDArray arr = Nd4j.createFromArray(z);
        INDArray copy = arr.dup();
        double[] svd = CollapseMetrics.singularValues(arr, true, CollapseMetrics.Solver.SVD);
        double[] eig = CollapseMetrics.singularValues(arr, true, CollapseMetrics.Solver.EIGEN);
        assertArrayEquals(expected, svd, 1e-9);
        assertArrayEquals(expected, eig, 1e-9);
        assertEquals(copy, arr, "input must not be modified");

        // more columns than rows: padded with zeros, length d
        double[] wide = CollapseMetrics.singularValues(Nd4j.createFromArray(gaussian(3, 7, 6)), true,
                CollapseMetrics.Solver.SVD);
        assertEquals(7, wide.length);
        for (int j = 2; j < 7; j++) { // centred 3 rows have rank <= 2
            assertEquals(0.0, wide[j], 1e-9);
        }
    }

    @Test
    void formulasOnHandValues() {
        double[] c = CollapseMetrics.cumulativeExplainedVariance(new double[] {2, 1, 1, 0});
        assertArrayEquals(new double[] {4 / 6.0, 5 / 6.0, 1, 1}, c, 1e-12);
        assertEquals((4 / 6.0 + 5 / 6.0 + 2) / 4, CollapseMetrics.auc(c), 1e-12);
        assertEquals(4.0, CollapseMetrics.rankMe(new double[] {1, 1, 1, 1}, 0), 1e-12);
        assertEquals(1.0, CollapseMetrics.auc(CollapseMetrics.cumulativeExplainedVariance(new double[] {0, 0})));
        CollapseMetrics.Result allSame = CollapseMetrics.compute(Nd4j.ones(DataType.FLOAT, 5, 3));
        assertEquals(1.0, allSame.auc());
        assertEquals(1.0, allSame.rankMe(), 1e-5);
    }

    private static double[][] orthonormalRows(double[][] a) {
        double[][] q = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            double[] v = a[i].clone();
            for (int j = 0; j < i; j++) {
                double dot = 0;
                for (int t = 0; t < v.length; t++) {
                    dot += v[t] * q[j][t];
                }
                for (int t = 0; t < v.length; t++) {
                    v[t] -= dot * q[j][t];
                }
            }
            double norm = 0;
            for (double x : v) {
                norm += x * x;
            }
            norm = Math.sqrt(norm);
            for (int t = 0; t < v.length; t++) {
                v[t] /= norm;
            }
            q[i] = v;
        }
        return q;
    }

    /** Cyclic Jacobi eigenvalue iteration for a small symmetric matrix (copied). */
    static double[] jacobiEigenvalues(double[][] in) {
        int d = in.length;
        double[][] a = new double[d][];
        for (int i = 0; i < d; i++) {
            a[i] = in[i].clone();
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off < 1e-30) {
                break;
            }
            for (int p = 0; p < d; p++) {
                for (int q = p + 1; q < d; q++) {
                    if (Math.abs(a[p][q]) < 1e-300) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < d; k++) {
                        double akp = a[k][p], akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < d; k++) {
                        double apk = a[p][k], aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                }
            }
        }
        double[] ev = new double[d];
        for (int i = 0; i < d; i++) {
            ev[i] = a[i][i];
        }
        return ev;
    }

    /** The shape of a real probe set ([1000, 128] float): the default solver must handle it (the svd op crashed). */
    @org.junit.jupiter.api.Test
    void probeSizedFloatEmbeddingsUseTheDefaultSolverSafely() {
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(3);
        CollapseMetrics.Result m = CollapseMetrics.compute(org.nd4j.linalg.factory.Nd4j.randn(DataType.FLOAT, 1000, 128));
        org.junit.jupiter.api.Assertions.assertEquals(128, m.dimension());
        org.junit.jupiter.api.Assertions.assertTrue(m.rankMe() > 100 && m.rankMe() <= 128, "RankMe " + m.rankMe());
        // isotropic in theory (AUC (d+1)/(2d) = 0.504), lifted by the Marchenko-Pastur spread of d/n = 0.128
        org.junit.jupiter.api.Assertions.assertTrue(m.auc() > 0.504 && m.auc() < 0.65, "AUC " + m.auc());
    }
}
