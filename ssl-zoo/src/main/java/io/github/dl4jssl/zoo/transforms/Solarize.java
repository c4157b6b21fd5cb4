package io.github.dl4jssl.zoo.transforms;

import java.util.Random;

/**
 * With probability {@code p}, inverts every value at or above {@code threshold} ({@code x -> 1 - x}).
 * Used by BYOL (Grill et al. 2020) on top of the SimCLR augmentations (Chen et al. 2020).
 */
public final class Solarize implements ImageTransform {
    private final double p;
    private final float threshold;

    public Solarize(double p, double threshold) {
        this.p = ImageTransform.checkProbability(p, "Solarize");
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("Solarize threshold must be in [0, 1], got " + threshold);
        }
        this.threshold = (float) threshold;
    }

    @Override
    public float[] apply(float[] chw, int c, int h, int w, Random rnd) {
        if (rnd.nextDouble() >= p) {
            return chw;
        }
        float[] out = new float[chw.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = chw[i] >= threshold ? 1f - chw[i] : chw[i];
        }
        return out;
    }

    @Override
    public String toString() { return "Solarize(p=" + p + ", threshold=" + threshold + ")"; }
}
