package io.github.dl4jssl.zoo.backbone;

import java.util.List;
import java.util.Locale;

/**
 * Looks up the {@link Backbone} encoders of this module by name, e.g. for command-line tools and
 * configuration files.
 *
 * <p>Known names: {@value SmallCnn#NAME} ({@link SmallCnn}) and {@value ResNet18Cifar#NAME}
 * ({@link ResNet18Cifar}, He et al. 2016 in the CIFAR variant of SimCLR, Chen et al. 2020), {@value VitTiny#NAME}
 * and {@value VitSmall#NAME} ({@link VisionTransformer} presets, Dosovitskiy et al. 2021, as in MoCo v3).
 */
public final class Backbones {

    /** All names accepted by {@link #byName}. */
    public static final List<String> NAMES = List.of(SmallCnn.NAME, ResNet18Cifar.NAME, VitTiny.NAME, VitSmall.NAME);

    private Backbones() {
    }

    /**
     * Creates the backbone called {@code name} for images of the given size.
     *
     * @throws IllegalArgumentException if the name is unknown (the message lists the valid names)
     */
    public static Backbone byName(String name, int height, int width, int channels) {
        return byName(name, height, width, channels, LayerImplementation.DEFAULT, 1.0);
    }

    /**
     * Creates the backbone called {@code name} for images of the given size, built from the given convolution
     * and batch-normalisation implementation.
     *
     * @throws IllegalArgumentException if the name is unknown (the message lists the valid names)
     */
    public static Backbone byName(String name, int height, int width, int channels, LayerImplementation layers) {
        return byName(name, height, width, channels, layers, 1.0);
    }

    /**
     * Creates the backbone called {@code name} for images of the given size, built from the given convolution
     * and batch-normalisation implementation, with every layer's channels scaled by {@code widthMultiplier}
     * (1 = the architecture's own widths; convolutional backbones only).
     *
     * @throws IllegalArgumentException if the name is unknown (the message lists the valid names) or the
     *                                  multiplier is not positive
     */
    public static Backbone byName(String name, int height, int width, int channels, LayerImplementation layers,
                                  double widthMultiplier) {
        if (!(widthMultiplier > 0) || Double.isInfinite(widthMultiplier)) {
            throw new IllegalArgumentException("width multiplier must be a positive number, got " + widthMultiplier);
        }
        if (name == null) {
            throw new IllegalArgumentException("Backbone name must not be null; valid names: " + NAMES);
        }
        switch (name.trim().toLowerCase(Locale.ROOT)) {
            case SmallCnn.NAME:
                return new SmallCnn(height, width, channels, layers, widthMultiplier);
            case ResNet18Cifar.NAME:
                return new ResNet18Cifar(height, width, channels, Math.max(1, (int) Math.round(64 * widthMultiplier)), layers);
            case VitTiny.NAME:
                return VitTiny.create(height, width, channels);
            case VitSmall.NAME:
                return VitSmall.create(height, width, channels);
            default:
                throw new IllegalArgumentException("Unknown backbone '" + name + "'; valid names: " + NAMES);
        }
    }
}
