package io.github.dl4jssl.samples.collapse;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.github.dl4jssl.listeners.monitor.CollapseMetrics;

import java.util.Arrays;
import java.util.Locale;

/**
 * What {@code dl4j-ssl collapse} prints, as text or (with Jackson) as one JSON object: the collapse AUC of Li, Efros,
 * Pathak 2022 (Equation 2), the variance AUC, RankMe, the effective dimensions for 90% and 99% of the variance and the
 * singular values.
 *
 * @param source                 the file or model measured
 * @param samples                rows (n)
 * @param dimension              columns (d)
 * @param normalized             each row was L2-normalised first (the authors' {@code --normalize})
 * @param collapseAuc            Equation 2 (singular values)
 * @param varianceAuc            the same area on the squared singular values
 * @param rankMe                 RankMe effective rank (Garrido et al. 2023)
 * @param effectiveDimension90   fewest principal directions holding 90% of the variance (squared singular values)
 * @param effectiveDimension99   the same for 99%
 * @param singularValues         all {@code d}, descending (zeros padded when n &lt; d)
 */
@JsonPropertyOrder({"source", "samples", "dimension", "normalized", "collapseAuc", "varianceAuc", "rankMe",
        "effectiveDimension90", "effectiveDimension99", "singularValues"})
public record CollapseSummary(String source, int samples, int dimension, boolean normalized, double collapseAuc,
                              double varianceAuc, double rankMe, int effectiveDimension90, int effectiveDimension99,
                              double[] singularValues) {

    /** Singular values the text output lists. */
    static final int TOP = 10;

    /**
     * @param source what was measured
     * @param m      its metrics
     * @return the summary
     */
    public static CollapseSummary of(String source, CollapseMetrics.Result m) {
        return new CollapseSummary(source, m.samples(), m.dimension(), m.normalized(), m.collapseAuc(), m.varianceAuc(),
                m.rankMe(), effectiveDimension(m.cumulativeVariance(), 0.9), effectiveDimension(m.cumulativeVariance(), 0.99),
                m.singularValues());
    }

    /**
     * @param cumulativeVariance PCA's {@code c_1..c_d}
     * @param share              e.g. 0.9
     * @return the smallest {@code k} with {@code c_k >= share}
     */
    static int effectiveDimension(double[] cumulativeVariance, double share) {
        for (int k = 0; k < cumulativeVariance.length; k++) {
            if (cumulativeVariance[k] >= share - 1e-12) {
                return k + 1;
            }
        }
        return cumulativeVariance.length;
    }

    /** @return the human-readable lines */
    public String text() {
        double[] top = Arrays.copyOf(singularValues, Math.min(TOP, singularValues.length));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%s: n = %d samples, d = %d dimensions%s%n", source, samples, dimension,
                normalized ? ", rows L2-normalised" : ""));
        s.append(String.format(Locale.ROOT, "collapse AUC (Li, Efros, Pathak 2022, Eq. 2; 1 = collapsed): %.4f%n", collapseAuc));
        s.append(String.format(Locale.ROOT, "variance AUC (squared singular values):                     %.4f%n", varianceAuc));
        s.append(String.format(Locale.ROOT, "RankMe (effective rank):                                     %.2f of %d%n",
                rankMe, Math.min(samples, dimension)));
        s.append(String.format(Locale.ROOT, "effective dimension: %d for 90%% of the variance, %d for 99%%%n",
                effectiveDimension90, effectiveDimension99));
        s.append("top ").append(top.length).append(" singular values:");
        for (double v : top) {
            s.append(String.format(Locale.ROOT, " %.4g", v));
        }
        return s.append(System.lineSeparator()).toString();
    }
}
