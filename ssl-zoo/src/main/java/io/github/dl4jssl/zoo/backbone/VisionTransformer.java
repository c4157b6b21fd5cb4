package io.github.dl4jssl.zoo.backbone;

import io.github.dl4jssl.layers.Checks;
import io.github.dl4jssl.layers.vit.ClassTokenPositionEmbedding;
import io.github.dl4jssl.layers.vit.PatchEmbedding;
import io.github.dl4jssl.layers.vit.TokenPooling;
import io.github.dl4jssl.layers.vit.TransformerEncoderBlock;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;

import java.util.Objects;

/**
 * A Vision Transformer encoder (Dosovitskiy et al., "An Image is Worth 16x16 Words", ICLR 2021) in the form MoCo v3
 * trains (Chen, Xie, He, "An Empirical Study of Training Self-Supervised Vision Transformers", ICCV 2021): patch
 * embedding, class token, fixed 2-d sin-cos position embeddings, {@code depth} pre-norm Transformer blocks, final
 * LayerNorm, class token as the representation ({@code width}-d).
 *
 * <p>Vertices: {@code prefix + "patch"} ({@link PatchEmbedding}, frozen with
 * {@link Builder#freezePatchEmbedding(boolean)}, MoCo v3's stability fix), {@code "tokens"}
 * ({@link ClassTokenPositionEmbedding}), {@code "block0"} ... {@code "block<depth-1>"}
 * ({@link TransformerEncoderBlock}), {@code "pool"} ({@link TokenPooling}). The presets are {@link VitTiny} and
 * {@link VitSmall}; every size can be overridden so that tiny versions run in tests.</p>
 */
public final class VisionTransformer implements Backbone {

    /** Vertex name (after the prefix) of the patch embedding. */
    public static final String PATCH = "patch";

    private final String name;
    private final int height;
    private final int width;
    private final int channels;
    private final int patchSize;
    private final int embedDim;
    private final int depth;
    private final int heads;
    private final int mlpRatio;
    private final boolean freezePatchEmbedding;
    private final ClassTokenPositionEmbedding.Positions positions;
    private final TokenPooling.Pooling pooling;

    private VisionTransformer(Builder b) {
        this.name = b.name;
        this.height = b.height;
        this.width = b.width;
        this.channels = b.channels;
        this.patchSize = b.patchSize;
        this.embedDim = b.embedDim;
        this.depth = b.depth;
        this.heads = b.heads;
        this.mlpRatio = b.mlpRatio;
        this.freezePatchEmbedding = b.freezePatchEmbedding;
        this.positions = b.positions;
        this.pooling = b.pooling;
    }

    @Override
    public String appendTo(ComputationGraphConfiguration.GraphBuilder graph, String input, String prefix) {
        graph.addLayer(prefix + PATCH, new PatchEmbedding.Builder().patchSize(patchSize).embedDim(embedDim)
                .frozen(freezePatchEmbedding).build(), input);
        graph.addLayer(prefix + "tokens", new ClassTokenPositionEmbedding.Builder()
                .grid(height / patchSize, width / patchSize).positions(positions).build(), prefix + PATCH);
        String prev = prefix + "tokens";
        for (int i = 0; i < depth; i++) {
            String block = prefix + "block" + i;
            graph.addLayer(block, new TransformerEncoderBlock.Builder().heads(heads).mlpRatio(mlpRatio).build(), prev);
            prev = block;
        }
        graph.addLayer(prefix + "pool", new TokenPooling.Builder().pooling(pooling).build(), prev);
        return prefix + "pool";
    }

    @Override
    public InputType inputType() { return InputType.convolutional(height, width, channels); }

    @Override
    public int featureSize() { return embedDim; }

    @Override
    public String name() { return name; }

    public int patchSize() { return patchSize; }

    public int depth() { return depth; }

    public int heads() { return heads; }

    /** Whether the patch projection is kept at its random initialisation (MoCo v3). */
    public boolean patchEmbeddingFrozen() { return freezePatchEmbedding; }

    /** A builder with this encoder's settings, e.g. to change one of them. */
    public Builder toBuilder() {
        return new Builder(name, height, width, channels).patchSize(patchSize).embedDim(embedDim).depth(depth)
                .heads(heads).mlpRatio(mlpRatio).freezePatchEmbedding(freezePatchEmbedding).positions(positions)
                .pooling(pooling);
    }

    @Override
    public String toString() {
        return name + "(" + height + "x" + width + "x" + channels + ", patch " + patchSize + ", width " + embedDim
                + ", depth " + depth + ", heads " + heads + (freezePatchEmbedding ? ", frozen patch projection" : "") + ")";
    }

    /**
     * Builder; the image size is required, the rest defaults to ViT-Tiny's sizes (patch 4, width 192, depth 12,
     * 3 heads, MLP ratio 4) with MoCo v3's sin-cos positions and class-token output.
     */
    public static final class Builder {
        private final String name;
        private final int height;
        private final int width;
        private final int channels;
        private int patchSize = 4;
        private int embedDim = 192;
        private int depth = 12;
        private int heads = 3;
        private int mlpRatio = 4;
        private boolean freezePatchEmbedding;
        private ClassTokenPositionEmbedding.Positions positions = ClassTokenPositionEmbedding.Positions.SINCOS_2D;
        private TokenPooling.Pooling pooling = TokenPooling.Pooling.CLASS_TOKEN;

        /** @param name the name {@link #name()} reports, e.g. {@value VitTiny#NAME} */
        public Builder(String name, int height, int width, int channels) {
            if (height <= 0 || width <= 0 || channels <= 0) {
                throw new IllegalArgumentException("VisionTransformer input size must be positive, got h=" + height
                        + ", w=" + width + ", c=" + channels);
            }
            this.name = Objects.requireNonNull(name, "name");
            this.height = height;
            this.width = width;
            this.channels = channels;
        }

        public Builder patchSize(int patchSize) { this.patchSize = Checks.atLeast("VisionTransformer patchSize", patchSize, 1); return this; }

        /** Token width D. */
        public Builder embedDim(int embedDim) { this.embedDim = Checks.atLeast("VisionTransformer embedDim (width)", embedDim, 1); return this; }

        /** Number of Transformer blocks. */
        public Builder depth(int depth) { this.depth = Checks.atLeast("VisionTransformer depth", depth, 1); return this; }

        public Builder heads(int heads) { this.heads = Checks.atLeast("VisionTransformer heads", heads, 1); return this; }

        public Builder mlpRatio(int mlpRatio) { this.mlpRatio = Checks.atLeast("VisionTransformer mlpRatio", mlpRatio, 1); return this; }

        /** MoCo v3's fix: keep the random patch projection fixed (default false). */
        public Builder freezePatchEmbedding(boolean freeze) { this.freezePatchEmbedding = freeze; return this; }

        public Builder positions(ClassTokenPositionEmbedding.Positions positions) {
            this.positions = Objects.requireNonNull(positions, "positions");
            return this;
        }

        public Builder pooling(TokenPooling.Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        /** @throws IllegalArgumentException if the sizes do not fit together (the message says which and how to fix it) */
        public VisionTransformer build() {
            if (height % patchSize != 0 || width % patchSize != 0) {
                throw new IllegalArgumentException("VisionTransformer: the image size " + height + "x" + width
                        + " is not divisible by the patch size " + patchSize + "; use a patch size that divides both");
            }
            if (embedDim % heads != 0) {
                throw new IllegalArgumentException("VisionTransformer: width " + embedDim + " is not divisible by "
                        + heads + " heads; choose heads that divide the width");
            }
            if (positions == ClassTokenPositionEmbedding.Positions.SINCOS_2D && embedDim % 4 != 0) {
                throw new IllegalArgumentException("VisionTransformer: 2-d sin-cos positions need a width divisible by 4, got "
                        + embedDim + "; use a multiple of 4 or learned positions");
            }
            return new VisionTransformer(this);
        }
    }
}
