package io.github.dl4jssl.zoo.transforms;

import io.github.dl4jssl.layers.Checks;

import java.util.Random;

/**
 * A random data augmentation of one image, in the spirit of the SimCLR augmentation family
 * (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual Representations").
 *
 * <p>Images are float arrays in CHW layout (channel-major, then rows, then columns) with values in [0, 1].
 * Implementations must not modify {@code chw}; they return a new array, or {@code chw} itself when they
 * leave the image unchanged. All randomness must come from {@code rnd}, so that a seeded generator gives
 * reproducible results. Only resizing transforms change the image size; {@link #outputShape} reports it.
 */
public interface ImageTransform {

    /**
     * @param chw the image, length {@code c * h * w}, values in [0, 1]; not modified
     * @param rnd the source of randomness
     * @return the transformed image with shape {@link #outputShape(int, int, int) outputShape(c, h, w)}
     */
    float[] apply(float[] chw, int c, int h, int w, Random rnd);

    /** The {@code {c, h, w}} of the output for an input of {@code c x h x w}; unchanged by default. */
    default int[] outputShape(int c, int h, int w) {
        return new int[] {c, h, w};
    }

    /** Checks that {@code p} is a probability; used by the implementations. */
    static double checkProbability(double p, String name) {
        return Checks.unitInterval(name + " probability", p);
    }

    /** ITU-R 601-2 luminance of an RGB pixel, the usual greyscale conversion. */
    static float luminance(float r, float g, float b) {
        return 0.299f * r + 0.587f * g + 0.114f * b;
    }

    /** Clamps to [0, 1]. */
    static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }
}
