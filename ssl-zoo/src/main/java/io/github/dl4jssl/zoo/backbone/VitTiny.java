package io.github.dl4jssl.zoo.backbone;

/**
 * ViT-Tiny (Touvron et al., DeiT, 2021: width 192, depth 12, 3 heads) with patch 4 for 32x32 and 28x28 images, as a
 * {@link VisionTransformer} preset. {@code VitTiny.builder(28, 28, 1).depth(2).embedDim(32).build()} gives a
 * smaller variant.
 */
public final class VitTiny {

    /** Name accepted by {@link Backbones#byName}. */
    public static final String NAME = "vit-tiny";

    private VitTiny() {
    }

    /** The preset's builder: patch 4, width 192, depth 12, 3 heads, MLP ratio 4. */
    public static VisionTransformer.Builder builder(int height, int width, int channels) {
        return new VisionTransformer.Builder(NAME, height, width, channels).patchSize(4).embedDim(192).depth(12).heads(3);
    }

    /** ViT-Tiny for images of the given size. */
    public static VisionTransformer create(int height, int width, int channels) {
        return builder(height, width, channels).build();
    }
}
