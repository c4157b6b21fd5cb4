package io.github.dl4jssl.listeners.monitor;

import java.util.Arrays;
import java.util.Objects;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.Svd;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Dimensional-collapse statistics of an embedding matrix {@code Z} of shape {@code [n, d]} (n
 * samples, d dimensions). Pure computation, no state.
 *
 * <p>Steps, as in the authors' {@code test_collapse.py} (repository {@code alexlioralexli/noncontrastive-ssl}):
 * {@code Z} is cast to double; optionally ({@code normalize}, their {@code --normalize} flag, off by default
 * as in their code) each row is divided by {@code 1e-6 + ||z_i||} ({@link #NORMALIZE_EPS}); (by default) its
 * columns are centred ({@code R - R.mean(0)}); its singular values {@code s_1 >= s_2 >= ... >= 0} are computed
 * with ND4J ({@link Solver#SVD}: the {@code Svd} custom op, or {@link Solver#EIGEN}: square roots of the
 * eigenvalues of the {@code d x d} Gram matrix {@code Z^T Z} from {@link Eigen#symmetricGeneralizedEigenvalues}).
 * When {@code n < d} the missing {@code d - n} singular values are reported as zeros, so
 * {@link Result#singularValues()} always has length {@code d}.
 *
 * <ul>
 *   <li><b>Collapse AUC</b> (Li, Efros, Pathak 2022, "Understanding Collapse in Non-Contrastive Siamese
 *       Representation Learning", ECCV 2022, Equation 2; the authors' {@code plot_collapse.ipynb}, function
 *       {@code auc}): with the <em>singular values themselves</em> (not their squares),
 *       {@code explvar_k = (s_1 + ... + s_k) / (s_1 + ... + s_m)} and
 *       {@code collapseAuc = (explvar_1 + ... + explvar_m) / m}, where {@code m = min(n, d)} is the number of
 *       singular values {@code torch.svd} returns (so for {@code n < d} the zero padding is not counted, as in
 *       their code). 1 for rank 1 (complete dimensional collapse), {@code (m+1)/(2m)} for {@code m} equal
 *       singular values; higher means more collapsed. The paper's ResNet-18 values lie between about 0.6 and
 *       0.9.</li>
 *   <li><b>Variance AUC</b>: the same area with the squared singular values, i.e. under the PCA cumulative
 *       explained-variance curve {@code c_k = (s_1^2 + ... + s_k^2) / (s_1^2 + ... + s_d^2)} (the squared
 *       singular values of the centred {@code Z} are {@code n - 1} times the covariance eigenvalues):
 *       {@code varianceAuc = (c_1 + ... + c_d) / d} over all {@code d} (zeros padded when {@code n < d}).
 *       Squaring concentrates the curve on the top directions, so this AUC lies close to 1 for real
 *       embeddings (0.97-0.99 for this project's SmallCnn runs) and compresses the differences the paper's
 *       claims are about; it is not the paper's metric, but the one PCA users know.</li>
 *   <li><b>RankMe</b> (Garrido, Balestriero, Najman, LeCun 2023, "RankMe: Assessing the Downstream
 *       Performance of Pretrained Self-Supervised Representations by Their Rank", ICML 2023): the
 *       effective rank {@code exp(-sum_k p_k log p_k)} with {@code p_k = s_k / sum_j s_j + eps},
 *       {@code eps = 1e-7} ({@link #RANKME_EPS}); between about 1 (rank 1) and {@code min(n, d)}
 *       (equal singular values). Garrido et al. do not centre; use {@code centre = false} for their exact
 *       definition.</li>
 * </ul>
 * If every singular value is zero (every embedding identical: complete collapse) both curves are defined as
 * all ones and both AUCs are 1 (the authors' code would divide 0 by 0).
 */
public final class CollapseMetrics {

    /** The epsilon in RankMe's {@code p_k = s_k / ||s||_1 + eps} (Garrido et al. 2023). */
    public static final double RANKME_EPS = 1e-7;

    /** The epsilon of the authors' {@code --normalize}: each row is divided by {@code 1e-6 + ||z_i||}. */
    public static final double NORMALIZE_EPS = 1e-6;

    /** How the singular values are computed. */
    public enum Solver {
        /** ND4J's {@code svd} custom op on the {@code [n, d]} matrix. Most accurate, but in ND4J 1.0.0-M2.1
         * it crashes the JVM natively (SIGSEGV in {@code NDArray::nullify}) for some shapes, e.g. [1000, 128]:
         * use it only on small matrices. */
        SVD,
        /** Square roots of the eigenvalues of {@code Z^T Z} (LAPACK syev; the default); loses precision for
         * singular values below about {@code 1e-8 * s_1}, far below what the collapse metrics resolve. */
        EIGEN
    }

    /**
     * The metrics of one embedding matrix.
     *
     * @param singularValues     {@code d} singular values, descending (zeros padded when n &lt; d)
     * @param explainedVariance  Equation 2's {@code explvar_1..explvar_m} (singular values, {@code m = min(n, d)})
     * @param cumulativeVariance PCA's {@code c_1..c_d} (squared singular values), {@code c_d = 1}
     * @param collapseAuc        Li, Efros, Pathak's AUC (Equation 2): mean of {@code explvar_k}
     * @param varianceAuc        mean of {@code c_k}
     * @param rankMe             RankMe effective rank
     * @param samples            n
     * @param normalized         whether each row was L2-normalised first (the authors' {@code --normalize})
     */
    public record Result(double[] singularValues, double[] explainedVariance, double[] cumulativeVariance,
                         double collapseAuc, double varianceAuc, double rankMe, int samples, boolean normalized) {
        /** @return d, the embedding dimension */
        public int dimension() { return singularValues.length; }

        /**
         * @param k how many
         * @return the top {@code min(k, d)} singular values
         */
        public double[] topSingularValues(int k) {
            return Arrays.copyOf(singularValues, Math.min(k, singularValues.length));
        }

        @Override
        public String toString() {
            return String.format("CollapseMetrics[n=%d, d=%d, collapseAuc=%.4f, varianceAuc=%.4f, rankMe=%.3f, s1=%.4g%s]",
                    samples, dimension(), collapseAuc, varianceAuc, rankMe,
                    singularValues.length > 0 ? singularValues[0] : 0.0, normalized ? ", normalized" : "");
        }
    }

    private CollapseMetrics() {
    }

    /**
     * Centred metrics without row normalisation (the authors' default), {@link Solver#EIGEN}.
     *
     * @param z embeddings {@code [n, d]}, float or double; not modified
     * @return the metrics
     */
    public static Result compute(INDArray z) { return compute(z, false, true, Solver.EIGEN); }

    /**
     * @param z      embeddings {@code [n, d]}, float or double; not modified
     * @param centre subtract the column means first
     * @param solver how to compute the singular values
     * @return the metrics, without row normalisation
     */
    public static Result compute(INDArray z, boolean centre, Solver solver) {
        return compute(z, false, centre, solver);
    }

    /**
     * @param z         embeddings {@code [n, d]}, float or double; not modified
     * @param normalize divide each row by {@code 1e-6 + ||z_i||} before centring (the authors' {@code --normalize})
     * @param centre    subtract the column means first
     * @param solver    how to compute the singular values
     * @return the metrics
     */
    public static Result compute(INDArray z, boolean normalize, boolean centre, Solver solver) {
        double[] s = singularValues(z, normalize, centre, solver);
        int m = (int) Math.min(z.size(0), z.size(1));
        double[] e = explainedVariance(Arrays.copyOf(s, m));
        double[] c = cumulativeExplainedVariance(s);
        return new Result(s, e, c, auc(e), auc(c), rankMe(s, RANKME_EPS), (int) z.size(0), normalize);
    }

    /**
     * @param z      embeddings {@code [n, d]}; not modified
     * @param centre subtract the column means first
     * @param solver how
     * @return the {@code d} singular values without row normalisation, descending, zeros padded when {@code n < d}
     */
    public static double[] singularValues(INDArray z, boolean centre, Solver solver) {
        return singularValues(z, false, centre, solver);
    }

    /**
     * @param z         embeddings {@code [n, d]}; not modified
     * @param normalize divide each row by {@code 1e-6 + ||z_i||} first ({@link #NORMALIZE_EPS})
     * @param centre    subtract the column means (after normalising)
     * @param solver    how
     * @return the {@code d} singular values, descending, zeros padded when {@code n < d}
     */
    public static double[] singularValues(INDArray z, boolean normalize, boolean centre, Solver solver) {
        Objects.requireNonNull(z, "z");
        if (z.rank() != 2) {
            throw new IllegalArgumentException("Expected a [n, d] matrix, got shape " + Arrays.toString(z.shape()));
        }
        int n = (int) z.size(0);
        int d = (int) z.size(1);
        if (n < 1 || d < 1) {
            throw new IllegalArgumentException("Empty matrix " + Arrays.toString(z.shape()));
        }
        INDArray x = z.castTo(DataType.DOUBLE).dup('c');
        if (normalize) {
            // test_collapse.py: reprs / (1e-6 + norms.unsqueeze(1))
            x.diviColumnVector(x.norm2(1).addi(NORMALIZE_EPS).reshape(n, 1));
        }
        if (centre) {
            x.subiRowVector(x.mean(0));
        }
        double[] out = new double[d];
        double[] raw;
        if (solver == Solver.EIGEN) {
            INDArray gram = x.transpose().mmul(x);
            // symmetrise against round-off; syev reads one triangle anyway
            gram = gram.add(gram.transpose()).muli(0.5).dup('c');
            INDArray ev = Eigen.symmetricGeneralizedEigenvalues(gram, false);
            raw = ev.toDoubleVector();
            for (int i = 0; i < raw.length; i++) {
                raw[i] = Math.sqrt(Math.max(0.0, raw[i]));
            }
        } else {
            // svd custom op, iArgs {fullUV = 0, computeUV = 0, switchNum}: output 0 is s
            INDArray sv = Nd4j.create(DataType.DOUBLE, Math.min(n, d));
            Nd4j.exec(DynamicCustomOp.builder("svd").addInputs(x).addOutputs(sv)
                    .addIntegerArguments(0, 0, Svd.DEFAULT_SWITCHNUM).build());
            raw = sv.toDoubleVector();
        }
        double[] sorted = raw.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < Math.min(d, sorted.length); i++) {
            out[i] = Math.max(0.0, sorted[sorted.length - 1 - i]);
        }
        return out;
    }

    /**
     * Equation 2 of Li, Efros, Pathak 2022 ({@code plot_collapse.ipynb}, function {@code auc}:
     * {@code np.cumsum(singular_values) / singular_values.sum()}).
     *
     * @param s singular values, descending
     * @return {@code explvar_k = sum_{j<=k} s_j / sum_j s_j}; all ones when every {@code s_j = 0}
     */
    public static double[] explainedVariance(double[] s) { return cumulativeShare(s, 1); }

    /**
     * The PCA cumulative explained variance (squared singular values).
     *
     * @param s singular values, descending
     * @return {@code c_k = sum_{j<=k} s_j^2 / sum_j s_j^2}; all ones when every {@code s_j = 0}
     */
    public static double[] cumulativeExplainedVariance(double[] s) { return cumulativeShare(s, 2); }

    /** {@code sum_{j<=k} s_j^p / sum_j s_j^p} for {@code p} 1 or 2; all ones when the total is 0. */
    private static double[] cumulativeShare(double[] s, int power) {
        double[] w = new double[s.length];
        double total = 0;
        for (int k = 0; k < s.length; k++) {
            w[k] = power == 1 ? s[k] : s[k] * s[k];
            total += w[k];
        }
        double[] c = new double[s.length];
        if (!(total > 0)) {
            Arrays.fill(c, 1.0);
            return c;
        }
        double acc = 0;
        for (int k = 0; k < s.length; k++) {
            acc += w[k];
            c[k] = Math.min(1.0, acc / total);
        }
        c[s.length - 1] = 1.0;
        return c;
    }

    /**
     * The normalised area under a cumulative curve ({@code explvar.sum() / len(explvar)} in the authors' code).
     *
     * @param curve {@code c_1..c_m}
     * @return {@code (1/m) sum_k c_k}
     */
    public static double auc(double[] curve) {
        double sum = 0;
        for (double v : curve) {
            sum += v;
        }
        return sum / curve.length;
    }

    /**
     * Equation 2's collapse AUC of a spectrum.
     *
     * @param s the singular values, descending (all of them that {@code torch.svd} returns: {@code min(n, d)})
     * @return the mean of {@code explvar_k}
     */
    public static double collapseAuc(double[] s) { return auc(explainedVariance(s)); }

    /**
     * @param s   singular values (any order), non-negative
     * @param eps added to each {@code p_k}
     * @return {@code exp(-sum_k p_k log p_k)}, {@code p_k = s_k / sum_j s_j + eps}
     */
    public static double rankMe(double[] s, double eps) {
        double total = 0;
        for (double v : s) {
            total += v;
        }
        double h = 0;
        for (double v : s) {
            double p = (total > 0 ? v / total : 0.0) + eps;
            h -= p * Math.log(p);
        }
        return Math.exp(h);
    }
}
