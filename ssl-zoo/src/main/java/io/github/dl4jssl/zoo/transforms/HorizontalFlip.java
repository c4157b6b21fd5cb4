package io.github.dl4jssl.zoo.transforms;

import java.util.Random;

/** Mirrors the image left-right with probability {@code p}, as in SimCLR (Chen et al. 2020). */
public final class HorizontalFlip extends RandomlyApplied {

    public HorizontalFlip(double p) {
        super(p, "HorizontalFlip");
    }

    @Override
    protected float[] transform(float[] chw, int c, int h, int w, Random rnd) {
        float[] out = new float[chw.length];
        for (int row = 0; row < c * h; row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                out[base + x] = chw[base + w - 1 - x];
            }
        }
        return out;
    }

    @Override
    public String toString() { return "HorizontalFlip(p=" + p + ")"; }
}
