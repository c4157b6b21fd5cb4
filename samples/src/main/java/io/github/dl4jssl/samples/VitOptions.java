package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunSpec;
import picocli.CommandLine.Option;

/**
 * The Vision Transformer options of {@code train} (a picocli mixin): MoCo v3's frozen random patch projection and size
 * overrides of the {@code vit-tiny} / {@code vit-small} presets.
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

    /** Puts these options into {@code b}. */
    RunSpec.Builder apply(RunSpec.Builder b) {
        return b.freezePatchEmbedding(freezePatchEmbedding).vitDepth(depth).vitWidth(width).vitHeads(heads).vitPatch(patch);
    }
}
