package io.github.dl4jssl.samples;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.VisionTransformer;
import picocli.CommandLine.Option;

/**
 * The Vision Transformer options of {@code train} (a picocli mixin): MoCo v3's frozen random patch projection, size
 * overrides of the {@code vit-tiny} / {@code vit-small} presets, and MoCo v3's ViT optimizer (AdamW, weight decay 0.1,
 * linear warm-up over 40/300 of the run, cosine decay; peak lr {@code --lr} or 1.5e-4 x batch / 256).
 */
final class VitOptions {

    @Option(names = "--freeze-patch-embedding",
            description = "ViT backbones: keep the random patch projection fixed (MoCo v3's stability fix).")
    boolean freezePatchEmbedding;

    @Option(names = "--vit-depth", description = "ViT backbones: number of Transformer blocks (preset: 12).")
    Integer depth;

    @Option(names = "--vit-width", description = "ViT backbones: token width (preset: vit-tiny 192, vit-small 384).")
    Integer width;

    @Option(names = "--vit-heads", description = "ViT backbones: attention heads (preset: vit-tiny 3, vit-small 6).")
    Integer heads;

    @Option(names = "--vit-patch", description = "ViT backbones: patch size (preset: 4 for 28x28 and 32x32, 16 for 224x224).")
    Integer patch;

    /** The backbone with these options applied; an error if one is given for a backbone that is not a ViT. */
    Backbone apply(Backbone net) {
        if (!(net instanceof VisionTransformer vit)) {
            if (freezePatchEmbedding || depth != null || width != null || heads != null || patch != null) {
                throw new IllegalArgumentException("--freeze-patch-embedding and --vit-* apply to ViT backbones only; "
                        + "use --backbone vit-tiny or vit-small (got " + net.name() + ")");
            }
            return net;
        }
        VisionTransformer.Builder b = vit.toBuilder().freezePatchEmbedding(freezePatchEmbedding);
        if (depth != null) b.depth(depth);
        if (width != null) b.embedDim(width);
        if (heads != null) b.heads(heads);
        if (patch != null) b.patchSize(patch);
        return b.build();
    }

    /** Whether the patch projection is frozen, or null for a backbone without one. */
    static Boolean patchEmbeddingFrozen(Backbone net) {
        return net instanceof VisionTransformer vit ? vit.patchEmbeddingFrozen() : null;
    }
}
