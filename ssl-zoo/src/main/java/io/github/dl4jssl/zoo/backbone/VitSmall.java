package io.github.dl4jssl.zoo.backbone;

/**
 * ViT-Small (width 384, depth 12, 6 heads; MoCo v3's smallest ViT, Chen, Xie, He 2021, Table 1) with patch 16 for
 * 224x224 images, as a {@link VisionTransformer} preset; images smaller than 64x64 or not divisible by 16 get patch 4
 * (e.g. 28x28 and 32x32, as {@link VitTiny}).
 */
public final class VitSmall {

    /** Name accepted by {@link Backbones#byName}. */
    public static final String NAME = "vit-small";

    private VitSmall() {
    }

    /** The preset's builder: width 384, depth 12, 6 heads, MLP ratio 4, patch 16 (4 for small images). */
    public static VisionTransformer.Builder builder(int height, int width, int channels) {
        int patch = height % 16 == 0 && width % 16 == 0 && Math.min(height, width) >= 64 ? 16 : 4;
        return new VisionTransformer.Builder(NAME, height, width, channels).patchSize(patch).embedDim(384).depth(12).heads(6);
    }

    /** ViT-Small for images of the given size (224x224x3: the paper's patch 16). */
    public static VisionTransformer create(int height, int width, int channels) {
        return builder(height, width, channels).build();
    }
}
