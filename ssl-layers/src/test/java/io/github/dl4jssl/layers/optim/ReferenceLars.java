package io.github.dl4jssl.layers.optim;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * LARS written out in plain Java doubles from MoCo v3's {@code moco/optimizer.py} ({@code p.ndim > 1}: decay and
 * trust ratio; otherwise plain momentum), independent of ND4J: the expected values of the LARS tests.
 */
final class ReferenceLars {
    private final double momentum;
    private final double eta;
    private final double weightDecay;
    private final Set<String> adapted;
    private final Map<String, double[]> mu = new HashMap<>();
    /** The trust ratio q of each adapted tensor in the last step. */
    final Map<String, Double> lastTrustRatio = new HashMap<>();

    ReferenceLars(double momentum, double eta, double weightDecay, Set<String> adapted) {
        this.momentum = momentum;
        this.eta = eta;
        this.weightDecay = weightDecay;
        this.adapted = adapted;
    }

    /** The parameters after one step from {@code params} with gradients {@code grads} at learning rate {@code lr}. */
    Map<String, double[]> step(Map<String, double[]> params, Map<String, double[]> grads, double lr) {
        Map<String, double[]> next = new HashMap<>();
        for (Map.Entry<String, double[]> e : params.entrySet()) {
            double[] w = e.getValue();
            double[] g = grads.get(e.getKey());
            double[] dp = new double[w.length];
            double q = 1;
            boolean adapt = adapted.contains(e.getKey());
            double wNorm = 0;
            double uNorm = 0;
            for (int i = 0; i < w.length; i++) {
                dp[i] = adapt ? g[i] + weightDecay * w[i] : g[i];
                wNorm += w[i] * w[i];
                uNorm += dp[i] * dp[i];
            }
            if (adapt) {
                wNorm = Math.sqrt(wNorm);
                uNorm = Math.sqrt(uNorm);
                q = wNorm > 0 && uNorm > 0 ? eta * wNorm / uNorm : 1;
                lastTrustRatio.put(e.getKey(), q);
            }
            double[] m = mu.computeIfAbsent(e.getKey(), k -> new double[w.length]);
            double[] out = new double[w.length];
            for (int i = 0; i < w.length; i++) {
                m[i] = momentum * m[i] + q * dp[i];
                out[i] = w[i] - lr * m[i];
            }
            next.put(e.getKey(), out);
        }
        return next;
    }
}
