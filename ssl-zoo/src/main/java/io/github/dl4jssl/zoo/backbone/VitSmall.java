package io.github.dl4jssl.zoo.backbone;

/**
 * ViT-Small (width 384, depth 12, 6 heads; MoCo v3's smallest ViT, Chen, Xie, He 2021, Table 1) with patch 16 for
 * 224x224 images, as a {@link VisionTransformer} preset; for smaller images the patch size is chosen so that it
 * divides the image (16, else 8, else 4, e.g. 4 for 28x28 and 32x32 images).
 */
public final class VitSmall {

    /** Name accepted by {@link Backbones#byName}. */
    public static final String NAME = "vit-small";

    private VitSmall() {
    }

    /** The preset's builder: width 384, depth 12, 6 heads, MLP ratio 4, patch 16 where it divides the image. */
    public static VisionTransformer.Builder builder(int height, int width, int channels) {
        int patch = 4;
        for (int p : new int[] {16, 8}) {
            if (height % p == 0 && width % p == 0 && Math.min(height, width) >= 4 * p) {
                patch = p;
                break;
            }
        }
        return new VisionTransformer.Builder(NAME, height, width, channels).patchSize(patch).embedDim(384).depth(12).heads(6);
    }

    /** ViT-Small for images of the given size (224x224x3: the paper's patch 16). */
    public static VisionTransformer create(int height, int width, int channels) {
        return builder(height, width, channels).build();
    }
}
