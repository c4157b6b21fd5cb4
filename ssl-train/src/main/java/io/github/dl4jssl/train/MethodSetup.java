package io.github.dl4jssl.train;

import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.layers.optim.LarsTrustRatio;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.backbone.VisionTransformer;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.MocoV3;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.util.Locale;

/**
 * The backbone and the self-supervised method of a {@link RunSpec}: the backbone with the ViT options applied, the
 * optimizer (Adam, SGD with momentum, LARS of You et al. 2017; or each method's own), its weight decay and
 * learning-rate schedule (constant, or SimCLR / BYOL / MoCo v3's linear warm-up then cosine decay), MoCo v3's AdamW
 * on a ViT (Chen, Xie, He 2021), and the MoCo key-queue size.
 */
final class MethodSetup {
    private final RunSpec spec;

    MethodSetup(RunSpec spec) {
        this.spec = spec;
    }

    /** The spec's backbone for images shaped like {@code train}'s, with the ViT options applied. */
    Backbone backbone(LabelledImages train) {
        Backbone net = Backbones.byName(spec.backbone(), train.height(), train.width(), train.channels(),
                LayerImplementation.byName(spec.layers()), spec.widthMultiplier());
        if (!(net instanceof VisionTransformer vit)) {
            return net;
        }
        VisionTransformer.Builder b = vit.toBuilder().freezePatchEmbedding(spec.freezePatchEmbedding());
        if (spec.vitDepth() != null) b.depth(spec.vitDepth());
        if (spec.vitWidth() != null) b.embedDim(spec.vitWidth());
        if (spec.vitHeads() != null) b.heads(spec.vitHeads());
        if (spec.vitPatch() != null) b.patchSize(spec.vitPatch());
        return b.build();
    }

    /** Whether the patch projection is frozen, or null for a backbone without one. */
    static Boolean patchEmbeddingFrozen(Backbone net) {
        return net instanceof VisionTransformer vit ? vit.patchEmbeddingFrozen() : null;
    }

    /** The method on {@code net}, for {@code perEpoch} training images per epoch. */
    SslMethod method(Backbone net, int perEpoch) {
        return SslMethods.create(spec.method(), net, options(net, queueSize(perEpoch), perEpoch / spec.batchSize())
                .withHeadHidden(spec.headHidden()).withSymmetricLoss(spec.symmetricLoss()));
    }

    /**
     * The MoCo key-queue size: the given one, or 65536 (MoCo's default) capped to 4096 for small data and to the
     * number of images an epoch uses, so that the queue never holds two keys of one image.
     */
    int queueSize(int trainImages) {
        int perEpoch = trainImages / spec.batchSize() * spec.batchSize();
        Integer given = spec.queueSize();
        if (given != null) {
            if (given > perEpoch && spec.method().startsWith("moco")) {
                throw new IllegalArgumentException("--queue-size " + given + " is larger than the " + perEpoch
                        + " images of an epoch: the queue would hold keys of the same image twice; use at most " + perEpoch);
            }
            return given;
        }
        return Math.min(trainImages < 65_536 ? 4096 : 65_536, perEpoch);
    }

    /**
     * The method options with the spec's optimizer: the optimizer (or Adam when only a learning rate is given, or MoCo
     * v3's AdamW on a ViT) at the given or the optimizer's default rate, the weight decay and the schedule; null fields
     * keep the method's own.
     */
    SslMethods.Options options(Backbone net, int queue, long iterationsPerEpoch) {
        Double lr = spec.learningRate();
        int batchSize = spec.batchSize();
        boolean vitMoco = "mocov3".equals(spec.method()) && net instanceof VisionTransformer;
        String optimizer = spec.optimizerOrRecipe();
        String name = optimizer != null ? optimizer.toLowerCase(Locale.ROOT) : lr != null || vitMoco ? "adam" : null;
        IUpdater updater = name == null ? null : switch (name) {
            case "sgd" -> new Nesterovs(lr != null ? lr : 0.05 * batchSize / 256, 0.9);
            case "lars" -> Lars.builder().learningRate(lr != null ? lr : 0.3 * batchSize / 256).trustCoefficient(
                    spec.trustCoefficient() != null ? spec.trustCoefficient() : Lars.DEFAULT_TRUST_COEFFICIENT).build();
            default -> new Adam(lr != null ? lr : vitMoco ? MocoV3.VIT_BASE_LEARNING_RATE * batchSize / 256.0 : 1e-3);
        };
        Double decay = spec.weightDecay() != null ? spec.weightDecay()
                : vitMoco && "adam".equals(name) ? MocoV3.VIT_WEIGHT_DECAY : null;
        boolean cosine = spec.schedule() != null ? "warmup-cosine".equalsIgnoreCase(spec.schedule()) : vitMoco;
        SslMethods.WarmupCosine warmupCosine = null;
        if (cosine) {
            long total = Math.max(2, spec.epochs() * iterationsPerEpoch);
            long warmup = spec.warmupEpochs() != null
                    ? Math.min(total - 1, Math.round(spec.warmupEpochs() * iterationsPerEpoch))
                    : MocoV3.vitWarmupIterations(total);
            warmupCosine = new SslMethods.WarmupCosine(warmup, total);
        }
        return new SslMethods.Options(updater, spec.temperatureOrRecipe(), queue, batchSize, spec.seed(), spec.momentum(), decay,
                warmupCosine);
    }

    /**
     * Writes the optimizer, schedule and weight decay the graph trains with into {@code report}, as its first trained
     * weights' configuration has them, and MoCo's queue size as its InfoNCE layer holds it.
     */
    static void describe(ComputationGraph graph, RunReport report) {
        for (Layer layer : graph.getLayers()) {
            if (layer.conf().getLayer() instanceof io.github.dl4jssl.layers.InfoNceLoss loss && loss.getQueueSize() > 0) {
                report.queueSize = loss.getQueueSize();
            }
        }
        for (Layer layer : graph.getLayers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            if (layer.numParams() == 0 || conf.getRegularizationByParam("W") == null || conf.getUpdaterByParam("W") == null) {
                continue;
            }
            IUpdater u = conf.getUpdaterByParam("W");
            if (u instanceof NoOp || u instanceof Sgd && u.getLearningRate(0, 0) == 0) {
                continue; // a frozen layer (target branch, frozen patch projection)
            }
            report.optimizer = u.toString();
            report.schedule = u.getLearningRate(0, 0) == u.getLearningRate(Integer.MAX_VALUE / 2, 0) ? "constant" : "warmup-cosine";
            report.weightDecay = 0.0;
            for (Regularization r : conf.getRegularizationByParam("W")) {
                if (r instanceof LarsTrustRatio t) report.weightDecay = t.getWeightDecay();
                if (r instanceof WeightDecay d) report.weightDecay = d.getCoeff().valueAt(0, 0);
            }
            return;
        }
    }
}
