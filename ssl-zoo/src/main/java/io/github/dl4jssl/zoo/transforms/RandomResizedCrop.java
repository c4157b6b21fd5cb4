package io.github.dl4jssl.zoo.transforms;

import java.util.Random;

/**
 * Crops a random rectangle covering a fraction in {@code [scaleMin, scaleMax]} of the image area with aspect
 * ratio (width / height) in {@code [ratioMin, ratioMax]} (sampled log-uniformly), and resizes it bilinearly to
 * {@code outSize x outSize}. This is the main SimCLR augmentation (Chen et al. 2020), sampled like torchvision's
 * {@code RandomResizedCrop}: up to 10 attempts, then a centre crop with the ratio clamped. SimCLR uses
 * scale [0.08, 1] on ImageNet; on small images (28x28, 32x32) [0.2, 1] works better.
 */
public final class RandomResizedCrop implements ImageTransform {
    private static final int ATTEMPTS = 10;
    private final int outSize;
    private final double scaleMin;
    private final double scaleMax;
    private final double logRatioMin;
    private final double logRatioMax;

    /** Crop with the usual aspect ratio range [3/4, 4/3]. */
    public RandomResizedCrop(int outSize, double scaleMin, double scaleMax) {
        this(outSize, scaleMin, scaleMax, 3.0 / 4.0, 4.0 / 3.0);
    }

    public RandomResizedCrop(int outSize, double scaleMin, double scaleMax, double ratioMin, double ratioMax) {
        if (outSize < 1) {
            throw new IllegalArgumentException("RandomResizedCrop output size must be >= 1, got " + outSize);
        }
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException("RandomResizedCrop needs 0 < scaleMin <= scaleMax <= 1, got ["
                    + scaleMin + ", " + scaleMax + "]");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax)) {
            throw new IllegalArgumentException("RandomResizedCrop needs 0 < ratioMin <= ratioMax, got ["
                    + ratioMin + ", " + ratioMax + "]");
        }
        this.outSize = outSize;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.logRatioMin = Math.log(ratioMin);
        this.logRatioMax = Math.log(ratioMax);
    }

    public int outSize() { return outSize; }

    @Override
    public int[] outputShape(int c, int h, int w) {
        return new int[] {c, outSize, outSize};
    }

    @Override
    public float[] apply(float[] chw, int c, int h, int w, Random rnd) {
        double area = (double) h * w;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double target = area * (scaleMin + (scaleMax - scaleMin) * rnd.nextDouble());
            double ratio = Math.exp(logRatioMin + (logRatioMax - logRatioMin) * rnd.nextDouble());
            int cw = (int) Math.round(Math.sqrt(target * ratio));
            int ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int top = rnd.nextInt(h - ch + 1);
                int left = rnd.nextInt(w - cw + 1);
                return resize(chw, c, h, w, top, left, ch, cw, outSize, outSize);
            }
        }
        // Fallback: the largest centre crop whose ratio is within range.
        double inRatio = (double) w / h;
        double rMin = Math.exp(logRatioMin);
        double rMax = Math.exp(logRatioMax);
        int cw = w;
        int ch = h;
        if (inRatio < rMin) {
            ch = Math.max(1, (int) Math.round(w / rMin));
        } else if (inRatio > rMax) {
            cw = Math.max(1, (int) Math.round(h * rMax));
        }
        return resize(chw, c, h, w, (h - ch) / 2, (w - cw) / 2, ch, cw, outSize, outSize);
    }

    /**
     * Bilinear resize of the window {@code [top, top + ch) x [left, left + cw)} of a CHW image to
     * {@code outH x outW}, sampling at pixel centres (like {@code align_corners=false}). A window the size of
     * the output is copied exactly.
     */
    static float[] resize(float[] chw, int c, int h, int w, int top, int left, int ch, int cw, int outH,
            int outW) {
        int[] x0 = new int[outW];
        int[] x1 = new int[outW];
        float[] fx = new float[outW];
        axis(cw, outW, left, x0, x1, fx);
        int[] y0 = new int[outH];
        int[] y1 = new int[outH];
        float[] fy = new float[outH];
        axis(ch, outH, top, y0, y1, fy);
        float[] out = new float[c * outH * outW];
        for (int k = 0; k < c; k++) {
            int src = k * h * w;
            int dst = k * outH * outW;
            for (int y = 0; y < outH; y++) {
                int r0 = src + y0[y] * w;
                int r1 = src + y1[y] * w;
                float wy = fy[y];
                for (int x = 0; x < outW; x++) {
                    float top0 = chw[r0 + x0[x]] + fx[x] * (chw[r0 + x1[x]] - chw[r0 + x0[x]]);
                    float bot0 = chw[r1 + x0[x]] + fx[x] * (chw[r1 + x1[x]] - chw[r1 + x0[x]]);
                    out[dst + y * outW + x] = ImageTransform.clamp01(top0 + wy * (bot0 - top0));
                }
            }
        }
        return out;
    }

    /** Source indices and interpolation weights along one axis. */
    private static void axis(int inLen, int outLen, int offset, int[] i0, int[] i1, float[] frac) {
        double scale = (double) inLen / outLen;
        for (int o = 0; o < outLen; o++) {
            double s = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inLen - 1);
            int lo = (int) Math.floor(s);
            i0[o] = offset + lo;
            i1[o] = offset + Math.min(lo + 1, inLen - 1);
            frac[o] = (float) (s - lo);
        }
    }

    @Override
    public String toString() {
        return String.format("RandomResizedCrop(size=%d, scale=[%s, %s], ratio=[%.3f, %.3f])", outSize, scaleMin,
                scaleMax, Math.exp(logRatioMin), Math.exp(logRatioMax));
    }
}
