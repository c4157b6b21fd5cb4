package io.github.dl4jssl.zoo.transforms;

import io.github.dl4jssl.layers.Checks;

import java.util.Random;

/**
 * With probability {@code p}, inverts every value at or above {@code threshold} ({@code x -> 1 - x}).
 * Used by BYOL (Grill et al. 2020) on top of the SimCLR augmentations (Chen et al. 2020).
 */
public final class Solarize extends RandomlyApplied {
    private final float threshold;

    public Solarize(double p, double threshold) {
        super(p, "Solarize");
        this.threshold = (float) Checks.unitInterval("Solarize threshold", threshold);
    }

    @Override
    protected float[] transform(float[] chw, int c, int h, int w, Random rnd) {
        float[] out = new float[chw.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = chw[i] >= threshold ? 1f - chw[i] : chw[i];
        }
        return out;
    }

    @Override
    public String toString() { return "Solarize(p=" + p + ", threshold=" + threshold + ")"; }
}
