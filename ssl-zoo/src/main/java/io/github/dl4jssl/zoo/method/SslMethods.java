package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.Backbone;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.List;

/**
 * The methods of the zoo by their command-line names, each with its paper defaults, for programs that
 * choose the method at run time (the samples CLI, benchmarks, experiments).
 */
public final class SslMethods {

    /** Valid names, in the order the documentation lists them. */
    public static final List<String> NAMES = List.of("simclr", "simclr-ema", "simclr-ema-projector", "simclr-ema-stages",
            "mocov1", "mocov2", "mocov3", "byol", "simsiam");

    private SslMethods() {
    }

    /**
     * Settings a run may override; a null field keeps the method's paper default.
     *
     * @param updater      the optimizer (a {@code Lars} takes the weight decay as its own, see {@link MethodBuilder#updater})
     * @param temperature  softmax temperature of the contrastive methods (ignored by BYOL and SimSiam)
     * @param queueSize    MoCo v1/v2 key-queue size K
     * @param batchSize    image pairs per batch (lets MoCo check its queue at build time)
     * @param momentum     the target branch's (start) momentum in [0, 1] of the methods that have one (MoCo v1/v2:
     *                     constant m; MoCo v3, BYOL, SimCLR-EMA: the base of their schedule)
     * @param weightDecay  weight decay (e.g. MoCo v3's 0.1 for ViTs)
     * @param warmupCosine the learning-rate schedule, or null for a constant learning rate
     * @param headHidden   hidden width of the default projection/prediction MLPs ({@link MethodBuilder#headHidden(int)}),
     *                     or null for the methods' own
     */
    public record Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed,
                          Double momentum, Double weightDecay, WarmupCosine warmupCosine, Integer headHidden) {
        /** Options with a constant learning rate and the methods' own head widths. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed,
                       Double momentum, Double weightDecay) {
            this(updater, temperature, queueSize, batchSize, seed, momentum, weightDecay, null, null);
        }

        /** Options with the learning-rate schedule {@code warmupCosine} and the methods' own head widths. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed,
                       Double momentum, Double weightDecay, WarmupCosine warmupCosine) {
            this(updater, temperature, queueSize, batchSize, seed, momentum, weightDecay, warmupCosine, null);
        }

        /** These options with the heads' hidden width {@code width} (null: the methods' own). */
        public Options withHeadHidden(Integer width) {
            return new Options(updater, temperature, queueSize, batchSize, seed, momentum, weightDecay, warmupCosine, width);
        }

        /** Options with the method's own weight decay. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed, Double momentum) {
            this(updater, temperature, queueSize, batchSize, seed, momentum, null);
        }

        /** Options that keep each method's momentum and weight decay. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed) {
            this(updater, temperature, queueSize, batchSize, seed, null);
        }

        public static Options defaults(long seed) {
            return new Options(null, null, null, null, seed);
        }
    }

    /**
     * Linear warm-up over {@code warmupIterations}, then cosine decay to 0 at {@code totalIterations}, peaking at the
     * optimizer's learning rate ({@link MethodBuilder#warmupCosine}).
     */
    public record WarmupCosine(long warmupIterations, long totalIterations) {
        public WarmupCosine {
            new WarmupCosineSchedule(1.0, warmupIterations, totalIterations); // validates
        }
    }

    /** The methods with a momentum (EMA) target branch, whose momentum {@link Options#momentum()} sets. */
    public static final List<String> WITH_MOMENTUM = List.of("simclr-ema", "simclr-ema-projector", "simclr-ema-stages", "mocov1", "mocov2",
            "mocov3", "byol");

    /** Seed, and the optimizer, weight decay and schedule where the options give them: the settings every builder has. */
    private static <B extends MethodBuilder<B>> B common(B builder, Backbone backbone, Options o) {
        applyCommon(builder, backbone, o);
        return builder;
    }

    private static void applyCommon(MethodBuilder<?> builder, Backbone backbone, Options o) {
        builder.backbone(backbone).seed(o.seed());
        if (o.updater() != null) builder.updater(o.updater());
        if (o.weightDecay() != null) builder.weightDecay(o.weightDecay());
        if (o.warmupCosine() != null) builder.warmupCosine(o.warmupCosine().warmupIterations(), o.warmupCosine().totalIterations());
        if (o.headHidden() != null) builder.headHidden(o.headHidden());
    }

    /** The method called {@code name} on {@code backbone}; an unknown name is an error listing the valid ones. */
    public static SslMethod create(String name, Backbone backbone, Options o) {
        if (o.momentum() != null && !WITH_MOMENTUM.contains(name)) {
            throw new IllegalArgumentException("method '" + name + "' has no momentum encoder, so a momentum does not apply; "
                    + "the methods with one: " + String.join(", ", WITH_MOMENTUM));
        }
        switch (name == null ? "" : name.toLowerCase(java.util.Locale.ROOT)) {
            case "simclr": {
                SimClr.Builder b = common(new SimClr.Builder(), backbone, o);
                if (o.temperature() != null) b.temperature(o.temperature());
                return b.build();
            }
            case "simclr-ema":
            case "simclr-ema-projector":
            case "simclr-ema-stages": {
                SimClrEma.Builder b = common(new SimClrEma.Builder(), backbone, o)
                        .scope(name.endsWith("projector") ? SimClrEma.Scope.PROJECTOR_ONLY
                                : name.endsWith("stages") ? SimClrEma.Scope.STAGES : SimClrEma.Scope.FULL_ENCODER);
                if (o.temperature() != null) b.temperature(o.temperature());
                if (o.momentum() != null) b.momentum(o.momentum());
                return b.build();
            }
            case "mocov1":
            case "mocov2": {
                MocoConfig.Builder<?> b = name.equals("mocov1") ? new MocoV1.Builder() : new MocoV2.Builder();
                applyCommon(b, backbone, o);
                if (o.temperature() != null) b.temperature(o.temperature());
                if (o.queueSize() != null) b.queueSize(o.queueSize());
                if (o.batchSize() != null) b.batchSize(o.batchSize());
                if (o.momentum() != null) b.momentum(o.momentum());
                return name.equals("mocov1") ? ((MocoV1.Builder) b).build() : ((MocoV2.Builder) b).build();
            }
            case "mocov3": {
                MocoV3.Builder b = common(new MocoV3.Builder(), backbone, o);
                if (o.temperature() != null) b.temperature(o.temperature());
                if (o.momentum() != null) b.baseMomentum(o.momentum());
                return b.build();
            }
            case "byol": {
                Byol.Builder b = common(new Byol.Builder(), backbone, o);
                if (o.momentum() != null) b.baseMomentum(o.momentum());
                return b.build();
            }
            case "simsiam": {
                return common(new SimSiam.Builder(), backbone, o).build();
            }
            default:
                throw new IllegalArgumentException("unknown method '" + name + "'; valid methods: " + String.join(", ", NAMES));
        }
    }
}
