package io.github.dl4jssl.zoo.transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * An ordered list of {@link ImageTransform}s applied one after the other to produce one random "view" of an
 * image, as in SimCLR (Chen et al. 2020), where two such views of the same image form a positive pair.
 * Immutable and thread-safe (the transforms are stateless; all randomness comes from the caller's generator).
 *
 * <p>Presets: {@link #simclrGrayscale(int)} for Fashion-MNIST-like 28x28 greyscale images,
 * {@link #simclrColor(int)} for CIFAR-like 32x32 colour images and {@link #identity()}.
 */
public final class AugmentationPipeline implements ImageTransform {

    /** The random resized crop's smallest area fraction in the presets (0.2, MoCo v2's {@code scale=(0.2, 1.)}; SimCLR's ImageNet recipe uses 0.08). */
    public static final double DEFAULT_CROP_SCALE = 0.2;
    private final List<ImageTransform> transforms;

    private AugmentationPipeline(List<ImageTransform> transforms) {
        this.transforms = List.copyOf(transforms);
    }

    public static Builder builder() { return new Builder(); }

    /** No augmentation: every view equals the input image. */
    public static AugmentationPipeline identity() { return builder().build(); }

    /**
     * SimCLR augmentations for small greyscale images such as 28x28 Fashion-MNIST: random resized crop (scale
     * 0.2-1) to {@code size}, horizontal flip (p 0.5), brightness/contrast jitter 0.4 (p 0.8; saturation and hue
     * do not apply to one channel), Gaussian blur (p 0.5, sigma 0.1-1 pixel) and solarisation (p 0.1).
     */
    public static AugmentationPipeline simclrGrayscale(int size) { return simclrGrayscale(size, DEFAULT_CROP_SCALE); }

    /**
     * {@link #simclrGrayscale(int)} with the random resized crop's smallest area fraction {@code cropScale} (the
     * augmentation strength: smaller crops are harder views; in (0, 1]).
     */
    public static AugmentationPipeline simclrGrayscale(int size, double cropScale) {
        return simclrCropFlipJitter(size, cropScale, 0.0, 0.0)
                .gaussianBlur(0.5, 0.1, 1.0)
                .solarize(0.1, 0.5)
                .build();
    }

    /**
     * SimCLR augmentations for small colour images such as 32x32 CIFAR-10 (Chen et al. 2020, appendix B.9):
     * random resized crop (scale 0.2-1) to {@code size}, horizontal flip (p 0.5), colour jitter
     * (p 0.8; brightness, contrast, saturation 0.4, hue 0.1) and random greyscale (p 0.2); no blur.
     */
    public static AugmentationPipeline simclrColor(int size) { return simclrColor(size, DEFAULT_CROP_SCALE); }

    /** {@link #simclrColor(int)} with the random resized crop's smallest area fraction {@code cropScale}. */
    public static AugmentationPipeline simclrColor(int size, double cropScale) {
        return simclrCropFlipJitter(size, cropScale, 0.4, 0.1)
                .randomGrayscale(0.2)
                .build();
    }

    /**
     * What both SimCLR pipelines start with: random resized crop (scale {@code cropScale}-1) to {@code size},
     * horizontal flip (p 0.5), colour jitter (p 0.8; brightness and contrast 0.4, the given saturation and hue).
     */
    private static Builder simclrCropFlipJitter(int size, double cropScale, double saturation, double hue) {
        return builder()
                .randomResizedCrop(size, cropScale, 1.0)
                .horizontalFlip(0.5)
                .colorJitter(0.8, 0.4, 0.4, saturation, hue);
    }

    /**
     * Applies all transforms in order. Never modifies {@code chw}; the result may be {@code chw} itself when no
     * transform changed anything.
     */
    @Override
    public float[] apply(float[] chw, int c, int h, int w, Random rnd) {
        if (chw.length != c * h * w) {
            throw new IllegalArgumentException("image has " + chw.length + " values, expected " + c + "x" + h + "x"
                    + w + " = " + (c * h * w));
        }
        float[] img = chw;
        for (ImageTransform t : transforms) {
            int[] shape = t.outputShape(c, h, w);
            img = t.apply(img, c, h, w, rnd);
            c = shape[0];
            h = shape[1];
            w = shape[2];
        }
        return img;
    }

    @Override
    public int[] outputShape(int c, int h, int w) {
        int[] shape = {c, h, w};
        for (ImageTransform t : transforms) {
            shape = t.outputShape(shape[0], shape[1], shape[2]);
        }
        return shape;
    }

    public List<ImageTransform> transforms() { return transforms; }

    @Override
    public String toString() { return "AugmentationPipeline" + transforms; }

    /** Builds a pipeline; transforms run in the order they are added. */
    public static final class Builder {
        private final List<ImageTransform> transforms = new ArrayList<>();

        private Builder() {
        }

        public Builder add(ImageTransform transform) {
            transforms.add(Objects.requireNonNull(transform, "transform must not be null"));
            return this;
        }

        /** {@link RandomResizedCrop} with aspect ratio in [3/4, 4/3]. */
        public Builder randomResizedCrop(int outSize, double scaleMin, double scaleMax) {
            return add(new RandomResizedCrop(outSize, scaleMin, scaleMax));
        }

        public Builder horizontalFlip(double p) { return add(new HorizontalFlip(p)); }

        public Builder colorJitter(double p, double brightness, double contrast, double saturation, double hue) {
            return add(new ColorJitter(p, brightness, contrast, saturation, hue));
        }

        public Builder randomGrayscale(double p) { return add(new RandomGrayscale(p)); }

        public Builder gaussianBlur(double p, double sigmaMin, double sigmaMax) {
            return add(new GaussianBlur(p, sigmaMin, sigmaMax));
        }

        public Builder solarize(double p, double threshold) { return add(new Solarize(p, threshold)); }

        public AugmentationPipeline build() { return new AugmentationPipeline(transforms); }
    }
}
