package io.github.dl4jssl.zoo.transforms;

import java.util.Random;

/**
 * With probability {@code p}, replaces each RGB pixel by its luminance replicated in all three channels
 * (the "random grey-scale" of SimCLR, Chen et al. 2020). Images with other than 3 channels are left unchanged.
 */
public final class RandomGrayscale extends RandomlyApplied {

    public RandomGrayscale(double p) {
        super(p, "RandomGrayscale");
    }

    @Override
    protected float[] transform(float[] chw, int c, int h, int w, Random rnd) {
        if (c != 3) {
            return chw;
        }
        int hw = h * w;
        float[] out = new float[chw.length];
        for (int i = 0; i < hw; i++) {
            float y = ImageTransform.clamp01(ImageTransform.luminance(chw[i], chw[hw + i], chw[2 * hw + i]));
            out[i] = y;
            out[hw + i] = y;
            out[2 * hw + i] = y;
        }
        return out;
    }

    @Override
    public String toString() { return "RandomGrayscale(p=" + p + ")"; }
}
