package io.github.dl4jssl.zoo.transforms;

import java.util.Random;

/**
 * A transform applied to an image with probability p, as torchvision's {@code RandomApply}: one coin toss per image,
 * drawn from the generator before anything else, then {@link #transform} when it comes up, else the image unchanged.
 */
public abstract class RandomlyApplied implements ImageTransform {

    /** The probability of applying the transform, in [0, 1]. */
    protected final double p;

    /**
     * @param p    the probability of applying the transform
     * @param name the transform's name, for the message when {@code p} is not a probability
     */
    protected RandomlyApplied(double p, String name) {
        this.p = ImageTransform.checkProbability(p, name);
    }

    @Override
    public final float[] apply(float[] chw, int c, int h, int w, Random rnd) {
        return rnd.nextDouble() < p ? transform(chw, c, h, w, rnd) : chw;
    }

    /** The transform itself, once the coin toss said so; the contract of {@link #apply}. */
    protected abstract float[] transform(float[] chw, int c, int h, int w, Random rnd);
}
