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
 * <p>Steps: {@code Z} is cast to double and (by default) its columns are centred; its singular
 * values {@code s_1 >= s_2 >= ... >= s_d >= 0} are computed with ND4J ({@link Solver#SVD}: the
 * {@code Svd} custom op, or {@link Solver#EIGEN}: square roots of the eigenvalues of the
 * {@code d x d} Gram matrix {@code Z^T Z} from {@link Eigen#symmetricGeneralizedEigenvalues}).
 * When {@code n < d} the missing {@code d - min(n, d)} singular values are zeros, so the
 * vectors below always have length {@code d}.
 *
 * <ul>
 *   <li><b>Cumulative explained variance</b> (Li, Efros, Pathak 2022, "Understanding Collapse in
 *       Non-Contrastive Siamese Representation Learning", ECCV 2022):
 *       {@code c_k = (s_1^2 + ... + s_k^2) / (s_1^2 + ... + s_d^2)}, {@code k = 1..d}; {@code c_d
 *       = 1}. The squared singular values of the centred {@code Z} are {@code (n-1)} times the
 *       eigenvalues of the covariance, so {@code c_k} is the fraction of variance explained by the
 *       top {@code k} principal components.</li>
 *   <li><b>AUC</b>: the area under the cumulative explained variance curve with the x axis
 *       normalised to {@code [0, 1]} (component {@code k} at {@code x = k / d}), as the right
 *       Riemann sum {@code AUC = (1/d) * sum_{k=1..d} c_k}. It is 1 when all variance lies in one
 *       direction (rank 1, complete dimensional collapse), {@code (d+1)/(2d)} (about 0.5) for an
 *       isotropic distribution ({@code c_k = k/d}), and {@code (1/d)(sum_{j<r} j/r + (d - r + 1))}
 *       for {@code r} equal directions. Higher means more collapsed. If all variance is zero
 *       (every embedding identical: complete collapse) the curve is defined as all ones and AUC =
 *       1.</li>
 *   <li><b>RankMe</b> (Garrido, Balestriero, Najman, LeCun 2023, "RankMe: Assessing the Downstream
 *       Performance of Pretrained Self-Supervised Representations by Their Rank", ICML 2023): the
 *       effective rank {@code exp(-sum_k p_k log p_k)} with {@code p_k = s_k / sum_j s_j + eps},
 *       {@code eps = 1e-7} ({@link #RANKME_EPS}); between about 1 (rank 1) and {@code min(n, d)}
 *       (equal singular values). Note that RankMe uses the singular values, not their squares.
 *       Garrido et al. do not centre; use {@code centre = false} for their exact definition.</li>
 * </ul>
 */
public final class CollapseMetrics {

    /** The epsilon in RankMe's {@code p_k = s_k / ||s||_1 + eps} (Garrido et al. 2023). */
    public static final double RANKME_EPS = 1e-7;

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
     * @param cumulativeVariance {@code c_1..c_d}, non-decreasing, {@code c_d = 1}
     * @param auc                normalised area under {@code c}: mean of {@code c_k}
     * @param rankMe             RankMe effective rank
     * @param samples            n
     */
    public record Result(double[] singularValues, double[] cumulativeVariance, double auc,
                         double rankMe, int samples) {
        /** @return d, the embedding dimension */
        public int dimension() {
            return singularValues.length;
        }

        /**
         * @param k how many
         * @return the top {@code min(k, d)} singular values
         */
        public double[] topSingularValues(int k) {
            return Arrays.copyOf(singularValues, Math.min(k, singularValues.length));
        }

        @Override
        public String toString() {
            return String.format("CollapseMetrics[n=%d, d=%d, auc=%.4f, rankMe=%.3f, s1=%.4g]",
                    samples, dimension(), auc, rankMe, singularValues.length > 0 ? singularValues[0] : 0.0);
        }
    }

    private CollapseMetrics() {
    }

    /**
     * Centred SVD metrics.
     *
     * @param z embeddings {@code [n, d]}, float or double; not modified
     * @return the metrics
     */
    public static Result compute(INDArray z) {
        return compute(z, true, Solver.EIGEN);
    }

    /**
     * @param z      embeddings {@code [n, d]}, float or double; not modified
     * @param centre subtract the column means first
     * @param solver how to compute the singular values
     * @return the metrics
     */
    public static Result compute(INDArray z, boolean centre, Solver solver) {
        double[] s = singularValues(z, centre, solver);
        double[] c = cumulativeExplainedVariance(s);
        return new Result(s, c, auc(c), rankMe(s, RANKME_EPS), (int) z.size(0));
    }

    /**
     * @param z      embeddings {@code [n, d]}; not modified
     * @param centre subtract the column means first
     * @param solver how
     * @return the {@code d} singular values, descending, zeros padded when {@code n < d}
     */
    public static double[] singularValues(INDArray z, boolean centre, Solver solver) {
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
     * @param s singular values, descending
     * @return {@code c_k = sum_{j<=k} s_j^2 / sum_j s_j^2}; all ones when every {@code s_j = 0}
     */
    public static double[] cumulativeExplainedVariance(double[] s) {
        double total = 0;
        for (double v : s) {
            total += v * v;
        }
        double[] c = new double[s.length];
        if (!(total > 0)) {
            Arrays.fill(c, 1.0);
            return c;
        }
        double acc = 0;
        for (int k = 0; k < s.length; k++) {
            acc += s[k] * s[k];
            c[k] = Math.min(1.0, acc / total);
        }
        c[s.length - 1] = 1.0;
        return c;
    }

    /**
     * @param cumulativeVariance {@code c_1..c_d}
     * @return {@code (1/d) sum_k c_k}
     */
    public static double auc(double[] cumulativeVariance) {
        double sum = 0;
        for (double v : cumulativeVariance) {
            sum += v;
        }
        return sum / cumulativeVariance.length;
    }

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
