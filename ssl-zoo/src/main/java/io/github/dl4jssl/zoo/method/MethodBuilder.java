package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NetworkSeed;

import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

/**
 * The settings every method's builder has: the backbone and the network-wide training settings (optimizer,
 * weight decay, seed, data type), with their validation. Self-typed, so that the setters of this class and
 * those of the concrete builder chain in any order:
 * {@code new Byol.Builder().backbone(b).updater(u).seed(1).build()}.
 *
 * <p>Defaults: no backbone (required at build time), the method's optimizer and weight decay as given by the
 * concrete builder, a constant learning rate, seed 42, {@link DataType#FLOAT}.</p>
 *
 * @param <B> the concrete builder
 */
public abstract class MethodBuilder<B extends MethodBuilder<B>> {
    private Backbone backbone;
    private IUpdater updater;
    private double weightDecay;
    private long seed = 42;
    private DataType dataType = DataType.FLOAT;
    private WarmupCosineSchedule schedulePeakingAtOne;
    private Integer headHidden;
    private MlpHead projector;

    /** Starts with the method's default optimizer and weight decay. */
    MethodBuilder(IUpdater updater, double weightDecay) {
        this.updater = updater;
        this.weightDecay = weightDecay;
    }

    /** This builder as its concrete type. */
    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

    /** The network the method trains (required). */
    public B backbone(Backbone backbone) {
        this.backbone = backbone;
        return self();
    }

    /**
     * The optimizer (default: the method's, see the concrete builder). With {@link Lars} the method's weight decay
     * ({@link #weightDecay}) becomes LARS's own, inside its trust ratio, instead of DL4J's decoupled weight decay.
     */
    public B updater(IUpdater updater) {
        this.updater = Objects.requireNonNull(updater, "updater");
        return self();
    }

    /** Decoupled weight decay coefficient (0 to disable; default: the method's). */
    public B weightDecay(double weightDecay) {
        this.weightDecay = checkWeightDecay(weightDecay);
        return self();
    }

    /**
     * Trains on the learning-rate schedule of SimCLR, BYOL and MoCo v3 ({@link WarmupCosineSchedule}): linear warm-up
     * over {@code warmupIterations}, then cosine decay to 0 at {@code totalIterations}, peaking at the optimizer's
     * learning rate (whichever optimizer: the method's or {@link #updater}'s, which must have a constant rate).
     */
    public B warmupCosine(long warmupIterations, long totalIterations) {
        this.schedulePeakingAtOne = new WarmupCosineSchedule(1.0, warmupIterations, totalIterations);
        return self();
    }

    /** The seed of the parameter initialisation (default 42); 0 is refused, since ND4J does not repeat it ({@link NetworkSeed}). */
    public B seed(long seed) {
        this.seed = NetworkSeed.check("seed", seed);
        return self();
    }

    public B dataType(DataType dataType) {
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        return self();
    }

    /**
     * The hidden width of the method's default projection and prediction MLPs (default: the method's own, e.g.
     * max(512, feature size) for a projector and 512 for a predictor), e.g. to keep small models small. A head given
     * to the builder explicitly keeps its own width; MoCo v1/v2, whose heads follow the feature size, ignore it.
     */
    public B headHidden(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("headHidden must be at least 1, got " + width);
        }
        this.headHidden = width;
        return self();
    }

    /** The hidden width set with {@link #headHidden(int)}, else the method's {@code defaultWidth}. */
    int hiddenOr(int defaultWidth) {
        return headHidden != null ? headHidden : defaultWidth;
    }

    /**
     * The projection head g (default: the method's, see the concrete builder), e.g. {@link MlpHead#projection} or a
     * paper-sized one. Its layers are named {@code projector_*}, and momentum methods copy it into the target.
     */
    public B projector(MlpHead projector) {
        this.projector = Objects.requireNonNull(projector, "projector");
        return self();
    }

    /** The projector set with {@link #projector(MlpHead)}, or null for the method's own. */
    MlpHead projector() {
        return projector;
    }

    /** The hidden width of a default projector: {@link #headHidden(int)}, else max(512, the backbone's feature size). */
    int projectorHidden(Backbone backbone) {
        return hiddenOr(Math.max(512, backbone.featureSize()));
    }

    /** The one weight-decay rule of every method: a finite number &gt;= 0. */
    private static double checkWeightDecay(double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be a finite number >= 0, got " + weightDecay);
        }
        return weightDecay;
    }

    /** The backbone, or an exception naming the {@code method} if none was set. */
    Backbone requireBackbone(String method) {
        return Objects.requireNonNull(backbone, method + " needs a backbone: Builder.backbone(...)");
    }

    /** The method with the settings so far. */
    public abstract SslMethod build();

    /** The simple name of the method this builder builds (the class the builder is nested in), for messages. */
    String methodName() {
        Class<?> method = getClass().getEnclosingClass();
        return (method != null ? method : getClass()).getSimpleName();
    }

    /** The seed, data type, optimizer (on its schedule) and weight decay set so far. */
    GlobalSettings globalSettings() {
        IUpdater u = updater;
        if (u instanceof Lars lars && lars.getWeightDecay() != weightDecay) {
            if (lars.getWeightDecay() != 0) {
                throw new IllegalArgumentException("the Lars updater's weight decay " + lars.getWeightDecay()
                        + " differs from the method's " + weightDecay + ": set it once, with the method builder's "
                        + "weightDecay(...) (LARS applies it inside its trust ratio)");
            }
            u = lars.withWeightDecay(weightDecay);
        }
        if (schedulePeakingAtOne != null) {
            u = onSchedule(u, schedulePeakingAtOne);
        }
        return new GlobalSettings(seed, dataType, u, weightDecay);
    }

    /** A copy of {@code updater} whose constant learning rate lr becomes lr x {@code shape}. */
    private static IUpdater onSchedule(IUpdater updater, WarmupCosineSchedule shape) {
        double lr = updater.hasLearningRate() ? updater.getLearningRate(0, 0) : Double.NaN;
        long last = shape.getTotalIterations() - 1;
        if (!(lr > 0) || updater.getLearningRate((int) Math.min(last, Integer.MAX_VALUE), 0) != lr
                || updater.getLearningRate((int) Math.min(last / 2, Integer.MAX_VALUE), 0) != lr) {
            throw new IllegalArgumentException("warmupCosine(...) needs an optimizer with a constant positive learning rate, got "
                    + updater + "; give the updater its plain learning rate, the schedule is applied on top");
        }
        IUpdater copy = updater.clone();
        copy.setLrAndSchedule(lr, new WarmupCosineSchedule(lr, shape.getWarmupIterations(), shape.getTotalIterations()));
        return copy;
    }
}
