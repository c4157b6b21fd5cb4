package io.github.dl4jssl.layers.optim;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * LARS, layer-wise adaptive rate scaling (You, Gitman, Ginsburg 2017, "Large Batch Training of Convolutional
 * Networks"), the optimizer SimCLR, BYOL and MoCo v3 (ResNets) train with, for any DL4J network. Per parameter
 * tensor w with gradient g, as the reference code of MoCo v3 ({@code facebookresearch/moco-v3},
 * {@code moco/optimizer.py}, class {@code LARS}) and Barlow Twins:
 * <pre>
 *   u  = g + wd * w
 *   q  = eta * ||w|| / ||u||   if ||w|| &gt; 0 and ||u|| &gt; 0, else 1
 *   mu = m * mu + q * u
 *   w  = w - lr * mu
 * </pre>
 * with no decay and no adaptation (plain momentum SGD: {@code mu = m * mu + g}) for biases and BatchNorm gamma and
 * beta. (solo-learn's LARS, from Lightning Bolts, divides by {@code ||g|| + wd ||w|| + eps} instead; not followed.)
 *
 * <p>DL4J gives an updater the flattened gradient of a block of consecutive parameters with equal updater
 * configurations, spanning several layers, and never the parameters; so the per-tensor half, q and the decay, is
 * {@link LarsTrustRatio}, a {@link Regularization} that DL4J applies to each weight tensor before the updater, and
 * this updater's {@link LarsUpdater} is the momentum step. {@link #configure} installs both:</p>
 * <pre>{@code
 * Lars lars = Lars.builder().learningRate(0.3).weightDecay(1e-6).build();
 * ComputationGraphConfiguration conf = lars.configure(new NeuralNetConfiguration.Builder().seed(42))
 *         .graphBuilder() ... .build();
 * }</pre>
 * <p>A layer whose configuration sets its own regularization (e.g. {@code .l2(...)}) replaces the trust ratio for
 * its weights; DL4J's {@code weightDecay(...)} next to LARS would decay twice: LARS's decay is {@link #getWeightDecay()}.</p>
 *
 * <p>Defaults: the reference code's momentum 0.9 and trust coefficient 0.001, weight decay 0, learning rate 0.3
 * (SimCLR's 0.3 x batch / 256 at batch 256). The learning rate may follow any DL4J {@link ISchedule}. DL4J writes
 * this class into model JSON: keep its name and package.</p>
 */
public final class Lars implements IUpdater {

    private static final long serialVersionUID = 1L;

    public static final double DEFAULT_LEARNING_RATE = 0.3;
    public static final double DEFAULT_MOMENTUM = 0.9;
    public static final double DEFAULT_TRUST_COEFFICIENT = 1e-3;

    @JsonProperty
    private double learningRate;
    @JsonProperty
    private ISchedule learningRateSchedule;
    @JsonProperty
    private final double momentum;
    @JsonProperty
    private final double trustCoefficient;
    @JsonProperty
    private final double weightDecay;

    /** LARS with the defaults (learning rate 0.3, momentum 0.9, trust coefficient 0.001, no weight decay). */
    public Lars() {
        this(DEFAULT_LEARNING_RATE, null, DEFAULT_MOMENTUM, DEFAULT_TRUST_COEFFICIENT, 0.0);
    }

    /**
     * @param learningRate         lr &gt;= 0 (used when there is no schedule)
     * @param learningRateSchedule the learning rate per iteration/epoch, or null for the constant {@code learningRate}
     * @param momentum             m in [0, 1)
     * @param trustCoefficient     eta &gt; 0
     * @param weightDecay          wd &gt;= 0
     */
    @JsonCreator
    public Lars(@JsonProperty("learningRate") double learningRate,
                @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
                @JsonProperty("momentum") double momentum,
                @JsonProperty("trustCoefficient") double trustCoefficient,
                @JsonProperty("weightDecay") double weightDecay) {
        this.learningRate = checkLearningRate(learningRate);
        this.learningRateSchedule = learningRateSchedule;
        this.momentum = checkMomentum(momentum);
        this.trustCoefficient = checkTrustCoefficient(trustCoefficient);
        this.weightDecay = checkWeightDecay(weightDecay);
    }

    public static Builder builder() { return new Builder(); }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        return new Builder().learningRate(learningRate).learningRateSchedule(learningRateSchedule).momentum(momentum)
                .trustCoefficient(trustCoefficient).weightDecay(weightDecay);
    }

    /** This LARS with weight decay {@code weightDecay}. */
    public Lars withWeightDecay(double weightDecay) { return toBuilder().weightDecay(weightDecay).build(); }

    /** The per-tensor trust ratio and weight decay that DL4J applies to the weights before {@link LarsUpdater}. */
    public LarsTrustRatio trustRatio() { return new LarsTrustRatio(trustCoefficient, weightDecay); }

    /**
     * Sets this updater and {@link #trustRatio()} as the network-wide updater and weight regularization of
     * {@code builder}, and no bias regularization (biases: no decay, no adaptation). BatchNormalization layers
     * take no regularization in DL4J, so their gamma and beta get plain momentum SGD, as in the papers.
     */
    public NeuralNetConfiguration.Builder configure(NeuralNetConfiguration.Builder builder) {
        List<Regularization> weights = new ArrayList<>(List.of(trustRatio()));
        return builder.updater(this).regularization(weights).regularizationBias(new ArrayList<>());
    }

    @Override
    public long stateSize(long numParams) { return numParams; }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        LarsUpdater u = new LarsUpdater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        LarsUpdater u = new LarsUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public Lars clone() {
        return new Lars(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), momentum,
                trustCoefficient, weightDecay);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() { return true; }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        if (lrSchedule == null) {
            checkLearningRate(lr);
        }
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    public double getLearningRate() { return learningRate; }

    public ISchedule getLearningRateSchedule() { return learningRateSchedule; }

    public double getMomentum() { return momentum; }

    public double getTrustCoefficient() { return trustCoefficient; }

    public double getWeightDecay() { return weightDecay; }

    static double checkLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("LARS learning rate must be a finite number >= 0, got " + lr);
        }
        return lr;
    }

    static double checkMomentum(double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("LARS momentum must be in [0, 1) (the papers: 0.9), got " + momentum);
        }
        return momentum;
    }

    static double checkTrustCoefficient(double eta) {
        if (!(eta > 0) || Double.isInfinite(eta)) {
            throw new IllegalArgumentException("LARS trust coefficient must be a finite number > 0 (the papers: 0.001), got " + eta);
        }
        return eta;
    }

    static double checkWeightDecay(double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("LARS weight decay must be a finite number >= 0, got " + weightDecay);
        }
        return weightDecay;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Lars l && l.learningRate == learningRate && Objects.equals(l.learningRateSchedule, learningRateSchedule)
                && l.momentum == momentum && l.trustCoefficient == trustCoefficient && l.weightDecay == weightDecay;
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum, trustCoefficient, weightDecay);
    }

    @Override
    public String toString() {
        return "Lars(lr=" + (learningRateSchedule != null ? learningRateSchedule : learningRate) + ", momentum=" + momentum
                + ", eta=" + trustCoefficient + ", weightDecay=" + weightDecay + ")";
    }

    /** Builder with the defaults of {@link #Lars()}; the values are checked by {@link #build()}. */
    public static final class Builder {
        private double learningRate = DEFAULT_LEARNING_RATE;
        private ISchedule learningRateSchedule;
        private double momentum = DEFAULT_MOMENTUM;
        private double trustCoefficient = DEFAULT_TRUST_COEFFICIENT;
        private double weightDecay;

        /** The constant learning rate lr &gt;= 0 (default 0.3). */
        public Builder learningRate(double learningRate) { this.learningRate = learningRate; return this; }

        /** A learning-rate schedule (e.g. warm-up + cosine); overrides {@link #learningRate(double)}. */
        public Builder learningRateSchedule(ISchedule learningRateSchedule) {
            this.learningRateSchedule = learningRateSchedule;
            return this;
        }

        /** Momentum m in [0, 1) (default 0.9). */
        public Builder momentum(double momentum) { this.momentum = momentum; return this; }

        /** Trust coefficient eta &gt; 0 (default 0.001). */
        public Builder trustCoefficient(double trustCoefficient) {
            this.trustCoefficient = trustCoefficient;
            return this;
        }

        /** Weight decay wd &gt;= 0, on weights only (default 0; SimCLR 1e-6, BYOL 1.5e-6). */
        public Builder weightDecay(double weightDecay) { this.weightDecay = weightDecay; return this; }

        public Lars build() {
            return new Lars(learningRate, learningRateSchedule, momentum, trustCoefficient, weightDecay);
        }
    }
}
