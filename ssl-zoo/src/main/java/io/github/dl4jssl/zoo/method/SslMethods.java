package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.Backbone;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The methods of the zoo by their command-line names, each with its paper defaults, for programs that
 * choose the method at run time (the samples CLI, benchmarks, experiments).
 */
public final class SslMethods {

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
     * @param symmetricLoss MoCo v1/v2: both views as queries ({@link MocoV1V2.Builder#symmetric(boolean)}), or null
     *                     for the papers' one direction
     */
    public record Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed,
                          Double momentum, Double weightDecay, WarmupCosine warmupCosine, Integer headHidden,
                          Boolean symmetricLoss) {
        /** Options with the learning-rate schedule {@code warmupCosine}, the heads' width and MoCo's one direction. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed,
                       Double momentum, Double weightDecay, WarmupCosine warmupCosine, Integer headHidden) {
            this(updater, temperature, queueSize, batchSize, seed, momentum, weightDecay, warmupCosine, headHidden, null);
        }

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
            return new Options(updater, temperature, queueSize, batchSize, seed, momentum, weightDecay, warmupCosine, width,
                    symmetricLoss);
        }

        /** These options with MoCo v1/v2's symmetrised loss on or off (null: the papers' one direction). */
        public Options withSymmetricLoss(Boolean symmetric) {
            return new Options(updater, temperature, queueSize, batchSize, seed, momentum, weightDecay, warmupCosine, headHidden,
                    symmetric);
        }

        /** Options with the method's own weight decay. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed, Double momentum) {
            this(updater, temperature, queueSize, batchSize, seed, momentum, null);
        }

        /** Options that keep each method's momentum and weight decay. */
        public Options(IUpdater updater, Double temperature, Integer queueSize, Integer batchSize, long seed) {
            this(updater, temperature, queueSize, batchSize, seed, null);
        }

        public static Options defaults(long seed) { return new Options(null, null, null, null, seed); }
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

    /**
     * Each method's builder by name, with the options only some methods have applied (temperature, queue size, batch
     * size); adding a method is one entry here.
     */
    private static final Map<String, Function<Options, MethodBuilder<?>>> BUILDERS = new LinkedHashMap<>();

    static {
        BUILDERS.put("simclr", o -> set(new SimClr.Builder(), o.temperature(), SimClr.Builder::temperature));
        BUILDERS.put("simclr-ema", o -> simClrEma(SimClrEma.Scope.FULL_ENCODER, o));
        BUILDERS.put("simclr-ema-projector", o -> simClrEma(SimClrEma.Scope.PROJECTOR_ONLY, o));
        BUILDERS.put("simclr-ema-stages", o -> simClrEma(SimClrEma.Scope.STAGES, o));
        BUILDERS.put("mocov1", o -> moco(new MocoV1.Builder(), o));
        BUILDERS.put("mocov2", o -> moco(new MocoV2.Builder(), o));
        BUILDERS.put("mocov3", o -> set(new MocoV3.Builder(), o.temperature(), MocoV3.Builder::temperature));
        BUILDERS.put("byol", o -> new Byol.Builder());
        BUILDERS.put("simsiam", o -> new SimSiam.Builder());
    }

    /** Valid names, in the order the documentation lists them. */
    public static final List<String> NAMES = List.copyOf(BUILDERS.keySet());

    /** The methods with a momentum (EMA) target branch, whose momentum {@link Options#momentum()} sets. */
    public static final List<String> WITH_MOMENTUM = NAMES.stream()
            .filter(name -> BUILDERS.get(name).apply(Options.defaults(1)) instanceof EmaMethodBuilder).toList();

    private static <B, T> B set(B builder, T value, BiConsumer<B, T> setter) {
        if (value != null) {
            setter.accept(builder, value);
        }
        return builder;
    }

    private static SimClrEma.Builder simClrEma(SimClrEma.Scope scope, Options o) {
        return set(new SimClrEma.Builder().scope(scope), o.temperature(), SimClrEma.Builder::temperature);
    }

    private static MocoV1V2.Builder<?> moco(MocoV1V2.Builder<?> b, Options o) {
        if (o.temperature() != null) b.temperature(o.temperature());
        if (o.queueSize() != null) b.queueSize(o.queueSize());
        if (o.batchSize() != null) b.batchSize(o.batchSize());
        if (o.symmetricLoss() != null) b.symmetric(o.symmetricLoss());
        return b;
    }

    /** The method called {@code name} on {@code backbone}; an unknown name is an error listing the valid ones. */
    public static SslMethod create(String name, Backbone backbone, Options o) {
        Function<Options, MethodBuilder<?>> factory = BUILDERS.get(name == null ? "" : name.toLowerCase(Locale.ROOT));
        if (factory == null) {
            throw new IllegalArgumentException("unknown method '" + name + "'; valid methods: " + String.join(", ", NAMES));
        }
        MethodBuilder<?> builder = factory.apply(o);
        if (o.momentum() != null) {
            if (!(builder instanceof EmaMethodBuilder<?> ema)) {
                throw new IllegalArgumentException("method '" + name + "' has no momentum encoder, so a momentum does not apply; "
                        + "the methods with one: " + String.join(", ", WITH_MOMENTUM));
            }
            ema.momentum(o.momentum());
        }
        builder.backbone(backbone).seed(o.seed());
        if (o.updater() != null) builder.updater(o.updater());
        if (o.weightDecay() != null) builder.weightDecay(o.weightDecay());
        if (o.warmupCosine() != null) builder.warmupCosine(o.warmupCosine().warmupIterations(), o.warmupCosine().totalIterations());
        if (o.headHidden() != null) builder.headHidden(o.headHidden());
        return builder.build();
    }
}
