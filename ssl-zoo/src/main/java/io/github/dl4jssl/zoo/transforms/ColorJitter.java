package io.github.dl4jssl.zoo.transforms;

import io.github.dl4jssl.layers.Checks;

import java.util.Random;

/**
 * With probability {@code p}, randomly changes brightness, contrast, saturation and hue, in a random order,
 * as the colour distortion of SimCLR (Chen et al. 2020; strength s gives brightness = contrast = saturation
 * = 0.8 s and hue = 0.2 s). Factors are drawn uniformly from {@code [max(0, 1 - b), 1 + b]} for brightness,
 * contrast and saturation, and the hue shift from {@code [-hue, hue]} (in turns of the colour wheel).
 * Saturation and hue only act on 3-channel (RGB) images and are ignored for other channel counts.
 * A strength of 0 leaves that property unchanged exactly.
 */
public final class ColorJitter extends RandomlyApplied {
    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;

    public ColorJitter(double p, double brightness, double contrast, double saturation, double hue) {
        super(p, "ColorJitter");
        this.brightness = Checks.nonNegative("ColorJitter brightness", brightness);
        this.contrast = Checks.nonNegative("ColorJitter contrast", contrast);
        this.saturation = Checks.nonNegative("ColorJitter saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("ColorJitter hue must be in [0, 0.5], got " + hue);
        }
        this.hue = hue;
    }

    @Override
    protected float[] transform(float[] chw, int c, int h, int w, Random rnd) {
        int[] order = {0, 1, 2, 3};
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        float[] img = chw.clone();
        int hw = h * w;
        boolean rgb = c == 3;
        for (int op : order) {
            switch (op) {
                case 0:
                    if (brightness > 0) {
                        brightness(img, factor(brightness, rnd));
                    }
                    break;
                case 1:
                    if (contrast > 0) {
                        contrast(img, c, hw, factor(contrast, rnd));
                    }
                    break;
                case 2:
                    if (saturation > 0 && rgb) {
                        saturation(img, hw, factor(saturation, rnd));
                    }
                    break;
                default:
                    if (hue > 0 && rgb) {
                        shiftHue(img, hw, (float) (hue * (2 * rnd.nextDouble() - 1)));
                    }
            }
        }
        return img;
    }

    private static float factor(double strength, Random rnd) {
        double lo = Math.max(0, 1 - strength);
        return (float) (lo + (1 + strength - lo) * rnd.nextDouble());
    }

    static void brightness(float[] img, float f) {
        for (int i = 0; i < img.length; i++) {
            img[i] = ImageTransform.clamp01(img[i] * f);
        }
    }

    /** Blends with the mean grey level of the image. */
    static void contrast(float[] img, int c, int hw, float f) {
        double mean = 0;
        for (int i = 0; i < hw; i++) {
            mean += c == 3 ? ImageTransform.luminance(img[i], img[hw + i], img[2 * hw + i]) : img[i];
        }
        if (c != 3) {
            for (int i = hw; i < img.length; i++) {
                mean += img[i];
            }
            mean /= c;
        }
        float m = (float) (mean / hw);
        for (int i = 0; i < img.length; i++) {
            img[i] = ImageTransform.clamp01(f * img[i] + (1 - f) * m);
        }
    }

    /** Blends each pixel with its own grey level. */
    static void saturation(float[] img, int hw, float f) {
        for (int i = 0; i < hw; i++) {
            float g = ImageTransform.luminance(img[i], img[hw + i], img[2 * hw + i]);
            for (int k = 0; k < 3; k++) {
                int j = k * hw + i;
                img[j] = ImageTransform.clamp01(f * img[j] + (1 - f) * g);
            }
        }
    }

    /** Rotates the hue of every RGB pixel by {@code shift} turns (through HSV). */
    static void shiftHue(float[] img, int hw, float shift) {
        for (int i = 0; i < hw; i++) {
            float r = img[i];
            float g = img[hw + i];
            float b = img[2 * hw + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            float delta = max - min;
            if (delta <= 0) {
                continue; // grey pixel: hue undefined, unchanged
            }
            float hue;
            if (max == r) {
                hue = ((g - b) / delta) / 6f;
            } else if (max == g) {
                hue = ((b - r) / delta + 2f) / 6f;
            } else {
                hue = ((r - g) / delta + 4f) / 6f;
            }
            hue += shift;
            hue -= (float) Math.floor(hue);
            float s = delta / max;
            float h6 = hue * 6f;
            int sector = Math.min((int) h6, 5);
            float frac = h6 - sector;
            float pv = max * (1 - s);
            float qv = max * (1 - s * frac);
            float tv = max * (1 - s * (1 - frac));
            float[] rgb;
            switch (sector) {
                case 0: rgb = new float[] {max, tv, pv}; break;
                case 1: rgb = new float[] {qv, max, pv}; break;
                case 2: rgb = new float[] {pv, max, tv}; break;
                case 3: rgb = new float[] {pv, qv, max}; break;
                case 4: rgb = new float[] {tv, pv, max}; break;
                default: rgb = new float[] {max, pv, qv};
            }
            img[i] = ImageTransform.clamp01(rgb[0]);
            img[hw + i] = ImageTransform.clamp01(rgb[1]);
            img[2 * hw + i] = ImageTransform.clamp01(rgb[2]);
        }
    }

    @Override
    public String toString() {
        return "ColorJitter(p=" + p + ", brightness=" + brightness + ", contrast=" + contrast + ", saturation="
                + saturation + ", hue=" + hue + ")";
    }
}
