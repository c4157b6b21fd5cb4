package io.github.dl4jssl.zoo.transforms;

import java.util.Random;

/**
 * With probability {@code p}, blurs the image with a Gaussian kernel whose standard deviation (in pixels) is
 * drawn uniformly from {@code [sigmaMin, sigmaMax]}, as in SimCLR (Chen et al. 2020, who use sigma in
 * [0.1, 2.0] on ImageNet). The kernel is separable (rows, then columns), has radius {@code ceil(3 sigma)} and
 * uses reflect padding at the borders, so a constant image stays constant.
 */
public final class GaussianBlur extends RandomlyApplied {
    private final double sigmaMin;
    private final double sigmaMax;

    public GaussianBlur(double p, double sigmaMin, double sigmaMax) {
        super(p, "GaussianBlur");
        if (!(sigmaMin > 0 && sigmaMax >= sigmaMin)) {
            throw new IllegalArgumentException("GaussianBlur needs 0 < sigmaMin <= sigmaMax, got [" + sigmaMin
                    + ", " + sigmaMax + "]");
        }
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
    }

    @Override
    protected float[] transform(float[] chw, int c, int h, int w, Random rnd) {
        double sigma = sigmaMin + (sigmaMax - sigmaMin) * rnd.nextDouble();
        return blur(chw, c, h, w, sigma);
    }

    /** Deterministic separable Gaussian blur with standard deviation {@code sigma} pixels. */
    static float[] blur(float[] chw, int c, int h, int w, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        float[] k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            sum += k[i + radius] = (float) Math.exp(-i * i / (2 * sigma * sigma));
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= (float) sum;
        }
        float[] tmp = new float[chw.length];
        float[] out = new float[chw.length];
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            for (int y = 0; y < h; y++) {
                int row = base + y * w;
                for (int x = 0; x < w; x++) {
                    float acc = 0;
                    for (int d = -radius; d <= radius; d++) {
                        acc += k[d + radius] * chw[row + reflect(x + d, w)];
                    }
                    tmp[row + x] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float acc = 0;
                    for (int d = -radius; d <= radius; d++) {
                        acc += k[d + radius] * tmp[base + reflect(y + d, h) * w + x];
                    }
                    out[base + y * w + x] = ImageTransform.clamp01(acc);
                }
            }
        }
        return out;
    }

    /** Reflects an index into [0, n) without repeating the edge (like numpy's "reflect"). */
    static int reflect(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        i = Math.floorMod(i, period);
        return i < n ? i : period - i;
    }

    @Override
    public String toString() {
        return "GaussianBlur(p=" + p + ", sigma=[" + sigmaMin + ", " + sigmaMax + "])";
    }
}
