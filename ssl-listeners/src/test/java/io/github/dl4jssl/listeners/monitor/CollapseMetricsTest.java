package io.github.dl4jssl.listeners.monitor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
            assertEquals(1.0, m.collapseAuc(), 1e-6, solver.name());
            assertEquals(1.0, m.varianceAuc(), 1e-6, solver.name());
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
        assertEquals((d + 1) / (2.0 * d), m.varianceAuc(), 0.015);
        assertEquals((d + 1) / (2.0 * d), m.collapseAuc(), 0.015);
        assertEquals(d, m.rankMe(), 0.05 * d);
        for (int k = 0; k < d; k++) {
            assertEquals((k + 1) / (double) d, m.cumulativeVariance()[k], 0.03);
        }
        // float input gives the same result
        CollapseMetrics.Result f = CollapseMetrics.compute(
                Nd4j.createFromArray(gaussian(n, d, 2)).castTo(DataType.FLOAT));
        assertEquals(m.varianceAuc(), f.varianceAuc(), 1e-5);
        assertEquals(m.collapseAuc(), f.collapseAuc(), 1e-5);
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
        assertEquals(expected, m.varianceAuc(), 0.02);
        // the same holds for Equation 2 (equal singular values are equal squares), here with m = min(n, d) = d
        assertEquals(expected, m.collapseAuc(), 0.02);
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
        // Equation 2 uses the singular values themselves: 2/4, 3/4, 4/4, 4/4
        double[] e = CollapseMetrics.explainedVariance(new double[] {2, 1, 1, 0});
        assertArrayEquals(new double[] {0.5, 0.75, 1, 1}, e, 1e-12);
        assertEquals(3.25 / 4, CollapseMetrics.collapseAuc(new double[] {2, 1, 1, 0}), 1e-12);
        assertEquals(4.0, CollapseMetrics.rankMe(new double[] {1, 1, 1, 1}, 0), 1e-12);
        assertEquals(1.0, CollapseMetrics.auc(CollapseMetrics.cumulativeExplainedVariance(new double[] {0, 0})));
        CollapseMetrics.Result allSame = CollapseMetrics.compute(Nd4j.ones(DataType.FLOAT, 5, 3));
        assertEquals(1.0, allSame.collapseAuc());
        assertEquals(1.0, allSame.varianceAuc());
        assertEquals(1.0, allSame.rankMe(), 1e-5);
    }

    /** Equation 2 of Li, Efros, Pathak, written out independently: mean over k of cumsum(s)_k / sum(s). */
    private static double equation2(double[] s) {
        double total = 0;
        for (double v : s) {
            total += v;
        }
        double area = 0, acc = 0;
        for (double v : s) {
            acc += v;
            area += acc / total;
        }
        return area / s.length;
    }

    /**
     * {@code Z = U diag(s) V^T} with orthonormal columns of U orthogonal to the ones vector (so centring leaves
     * Z unchanged) and an orthogonal V: Z's singular values are exactly s.
     */
    private static double[][] withSpectrum(int n, double[] s, long seed) {
        int d = s.length;
        double[][] rows = new double[d + 1][];
        rows[0] = new double[n];
        Arrays.fill(rows[0], 1.0);
        double[][] g = gaussian(d, n, seed);
        System.arraycopy(g, 0, rows, 1, d);
        double[][] q = orthonormalRows(rows);           // q[1..d]: orthonormal, orthogonal to ones
        double[][] v = orthonormalRows(gaussian(d, d, seed + 1));
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    z[i][j] += q[k + 1][i] * s[k] * v[k][j];
                }
            }
        }
        return z;
    }

    @Test
    void equation2OnAMatrixWithAChosenSpectrum() {
        double[] s = {9, 5, 3.5, 2, 1.2, 0.7, 0.3, 0.1};
        double[][] z = withSpectrum(40, s, 11);
        double expected = equation2(s);
        for (CollapseMetrics.Solver solver : CollapseMetrics.Solver.values()) {
            CollapseMetrics.Result m = CollapseMetrics.compute(Nd4j.createFromArray(z), true, solver);
            assertArrayEquals(s, m.singularValues(), 1e-9, solver.name());
            assertEquals(expected, m.collapseAuc(), 1e-9, solver.name());
            double[] sq = Arrays.stream(s).map(x -> x * x).toArray();
            assertEquals(equation2(sq), m.varianceAuc(), 1e-9, solver.name());
            assertTrue(m.collapseAuc() < m.varianceAuc());
            assertEquals(s.length, m.explainedVariance().length);
            assertFalse(m.normalized());
        }
        // hand value of this spectrum's Equation 2, to pin the independent helper too
        assertEquals(0.8348623853211009, expected, 1e-12); // np.cumsum(s) / s.sum(), .sum() / len
    }

    @Test
    void equalSingularValuesGiveDPlusOneOverTwoD() {
        for (int d : new int[] {1, 2, 5, 16}) {
            double[] s = new double[d];
            Arrays.fill(s, 2.5);
            assertEquals((d + 1) / (2.0 * d), CollapseMetrics.collapseAuc(s), 1e-12);
            CollapseMetrics.Result m = CollapseMetrics.compute(Nd4j.createFromArray(withSpectrum(3 * d + 2, s, d)));
            assertEquals((d + 1) / (2.0 * d), m.collapseAuc(), 1e-9, "d = " + d);
            assertEquals((d + 1) / (2.0 * d), m.varianceAuc(), 1e-9, "d = " + d);
            assertEquals(d, m.rankMe(), 1e-4); // RankMe adds eps = 1e-7 to each p_k
        }
    }

    @Test
    void fewerSamplesThanDimensionsAveragesOverMinND() {
        // torch.svd returns min(n, d) singular values and the notebook divides by len(explvar): 3 here, not 7
        double[][] z = gaussian(3, 7, 6);
        CollapseMetrics.Result m = CollapseMetrics.compute(Nd4j.createFromArray(z), true, CollapseMetrics.Solver.SVD);
        assertEquals(7, m.dimension());
        assertEquals(3, m.explainedVariance().length);
        assertEquals(equation2(Arrays.copyOf(m.singularValues(), 3)), m.collapseAuc(), 1e-12);
        // the variance AUC keeps all d entries (zeros padded): 1 from k = 2 on
        assertEquals(7, m.cumulativeVariance().length);
        double c1 = m.cumulativeVariance()[0];
        assertEquals((c1 + 6) / 7, m.varianceAuc(), 1e-9);
    }

    @Test
    void normalizeDividesEachRowByOneEMinusSixPlusItsNorm() {
        double[][] z = gaussian(30, 5, 8);
        for (int i = 0; i < z.length; i++) {
            for (int j = 0; j < 5; j++) {
                z[i][j] *= (i % 4 + 1) * 10.0; // rows of very different lengths
            }
        }
        double[][] byHand = new double[z.length][];
        for (int i = 0; i < z.length; i++) {
            double norm = Math.sqrt(Arrays.stream(z[i]).map(x -> x * x).sum());
            byHand[i] = Arrays.stream(z[i]).map(x -> x / (1e-6 + norm)).toArray();
        }
        INDArray in = Nd4j.createFromArray(z);
        INDArray copy = in.dup();
        CollapseMetrics.Result normalized = CollapseMetrics.compute(in, true, true, CollapseMetrics.Solver.SVD);
        CollapseMetrics.Result expected = CollapseMetrics.compute(Nd4j.createFromArray(byHand), false, true,
                CollapseMetrics.Solver.SVD);
        assertArrayEquals(expected.singularValues(), normalized.singularValues(), 1e-12);
        assertEquals(expected.collapseAuc(), normalized.collapseAuc(), 1e-12);
        assertTrue(normalized.normalized());
        assertEquals(copy, in, "input must not be modified");
        CollapseMetrics.Result plain = CollapseMetrics.compute(in, false, true, CollapseMetrics.Solver.SVD);
        assertTrue(Math.abs(plain.collapseAuc() - normalized.collapseAuc()) > 1e-3,
                "row lengths differ, so normalising must change the spectrum");
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
        org.junit.jupiter.api.Assertions.assertTrue(m.varianceAuc() > 0.504 && m.varianceAuc() < 0.65, "AUC " + m.varianceAuc());
        // the singular values spread half as much as their squares: Equation 2 sits closer to isotropic
        org.junit.jupiter.api.Assertions.assertTrue(m.collapseAuc() > 0.504 && m.collapseAuc() < m.varianceAuc(),
                "collapse AUC " + m.collapseAuc());
    }
}
