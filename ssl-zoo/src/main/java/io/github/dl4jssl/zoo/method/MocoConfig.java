package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.ProjectionHead;
import io.github.dl4jssl.layers.SplitBatchNormalization;
import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.KeyQueueListener;
import io.github.dl4jssl.listeners.MomentumSchedule;
import io.github.dl4jssl.listeners.TargetBranch;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.List;
import java.util.Objects;

/**
 * The settings and the graph shared by {@link MocoV1} and {@link MocoV2} (He, Fan, Wu, Xie, Girshick,
 * "Momentum Contrast for Unsupervised Visual Representation Learning", CVPR 2020; Chen, Fan, Girshick, He,
 * "Improved Baselines with Momentum Contrastive Learning", arXiv:2003.04297, 2020). Immutable; built by the
 * two methods' builders.
 *
 * <p><b>Graph.</b> {@code input} - online (query) encoder {@code backbone_*} + {@code projector_*} = q;
 * key encoder = {@code target_backbone_*} + {@code target_projector_*}, a copy of the online layers each
 * wrapped in {@link TrainModeFrozenLayer} (no gradient, no optimizer update, BatchNorm in batch-statistics
 * mode as MoCo's key encoder) = k; {@code qk} = merge(q, k); {@code loss} = {@link InfoNceLoss} with a queue
 * of K keys, no batch negatives (MoCo v1/v2 use only the queue as negatives).</p>
 *
 * <p><b>Direction.</b> By default, as in the papers, one direction: the N view-1 rows are queries and their
 * keys are the view-2 rows, and those N keys are enqueued. {@code symmetric(true)} uses both views of the
 * stacked 2N batch as queries (MoCo v2's symmetrised loss) and enqueues all 2N keys per iteration.</p>
 *
 * <p><b>Listeners</b> ({@link #trainingListeners}): first the {@link EmaTargetListener} (scope
 * {@link EmaScope#encoder()}, key encoder := m * key encoder + (1 - m) * query encoder), then the
 * {@link KeyQueueListener} (enqueue), the order of MoCo's Algorithm 1. The order does not change the
 * result: both act after the optimizer step on disjoint parameters, and the keys were captured during the
 * forward pass, by the key encoder as it was before this iteration's momentum update.</p>
 *
 * <p><b>Shuffle BN</b> ({@code shuffleBn(G)}): MoCo section 3.3 computes the key encoder's BN statistics on
 * a shuffled split of the batch across GPUs, so that a query and its positive key are not normalised with
 * statistics of the same sub-batch. On one device this is emulated by replacing, in the key encoder only,
 * every {@code BatchNormalization} by a {@link SplitBatchNormalization} with G groups of contiguous rows (as
 * the "SplitBatchNorm" of MoCo's single-GPU demo). For even G the view-1 and the view-2 rows of the stacked
 * batch are never in the same group, so the positive key of a query is normalised with statistics of a
 * sub-batch of other-view images only, while the query encoder uses the whole 2N batch. Not emulated: the
 * random per-iteration permutation (the groups are fixed) and per-GPU BN in the query encoder. The
 * SplitBatchNormalization keeps BatchNormalization's parameter names (gamma, beta, mean, log10stdev or
 * var), so the EMA pairs it with the online BatchNormalization unchanged.</p>
 */
public final class MocoConfig {

    /** The vertex that merges queries and keys, the loss input. */
    public static final String QUERY_KEY_MERGE = "qk";

    /** The kind of projection head. */
    public enum Head {
        /** MoCo v1: one linear layer {@code projector_fc} to the output size. */
        LINEAR,
        /** MoCo v2: fc1 (hidden, ReLU) - fc2 (output), {@code projector_fc1}, {@code projector_fc2}, no BN. */
        MLP
    }

    final Backbone backbone;
    final Head head;
    final int hiddenSize;
    final int outputSize;
    final ProjectionHead projector;
    final double temperature;
    final int queueSize;
    final MomentumSchedule momentum;
    final boolean symmetric;
    final int shuffleBnGroups;
    final GlobalSettings global;
    final String backboneOutput;

    MocoConfig(Builder<?> b) {
        this.backbone = b.requireBackbone("MoCo");
        this.head = b.head;
        this.hiddenSize = b.hiddenSize > 0 ? b.hiddenSize : backbone.featureSize();
        this.outputSize = b.outputSize;
        this.projector = b.projector;
        this.temperature = b.temperature;
        this.queueSize = b.queueSize;
        this.momentum = b.momentum;
        this.symmetric = b.symmetric;
        this.shuffleBnGroups = b.shuffleBnGroups;
        this.global = b.globalSettings();
        if (b.batchSize > 0) {
            int keys = keysPerIteration(b.batchSize);
            if (keys > queueSize) {
                throw new IllegalArgumentException("MoCo queue size " + queueSize + " is smaller than the " + keys
                        + " keys enqueued per iteration (" + b.batchSize + " pairs per batch" + (symmetric ? ", symmetric: 2N keys" : "")
                        + "); the queue must hold at least one batch of keys (MoCo: K = 65536 for batches of 256)");
            }
            if (shuffleBnGroups > 0 && (2 * b.batchSize) % shuffleBnGroups != 0) {
                throw new IllegalArgumentException("shuffleBn(" + shuffleBnGroups + "): the " + 2 * b.batchSize
                        + " rows of a stacked batch of " + b.batchSize + " pairs do not split into " + shuffleBnGroups + " equal groups");
            }
        }
        this.backboneOutput = backbone.appendTo(new NeuralNetConfiguration.Builder().graphBuilder().addInputs(SslMethod.INPUT),
                SslMethod.INPUT, SslMethod.BACKBONE_PREFIX);
    }

    /** The number of keys enqueued per iteration for batches of {@code pairs} images (N or 2N rows). */
    public int keysPerIteration(int pairs) {
        return symmetric ? 2 * pairs : pairs;
    }

    /** Appends the projection head reading from {@code input}, returns its output name. */
    String appendProjector(ComputationGraphConfiguration.GraphBuilder graph, String prefix, String input) {
        if (projector != null) {
            return projector.appendTo(graph, prefix, input);
        }
        if (head == Head.LINEAR) {
            graph.addLayer(prefix + "fc", new DenseLayer.Builder().nOut(outputSize).activation(Activation.IDENTITY)
                    .weightInit(WeightInit.XAVIER).build(), input);
            return prefix + "fc";
        }
        graph.addLayer(prefix + "fc1", new DenseLayer.Builder().nOut(hiddenSize).activation(Activation.RELU)
                .weightInit(WeightInit.RELU).build(), input);
        graph.addLayer(prefix + "fc2", new DenseLayer.Builder().nOut(outputSize).activation(Activation.IDENTITY)
                .weightInit(WeightInit.XAVIER).build(), prefix + "fc1");
        return prefix + "fc2";
    }

    ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = global.graphBuilder(backbone);
        String features = backbone.appendTo(graph, SslMethod.INPUT, SslMethod.BACKBONE_PREFIX);
        String q = appendProjector(graph, SslMethod.PROJECTOR_PREFIX, features);
        String k = appendKeyEncoder(graph);
        graph.addVertex(QUERY_KEY_MERGE, new MergeVertex(), q, k);
        graph.addLayer(SslMethod.LOSS, new InfoNceLoss.Builder().temperature(temperature).queueSize(queueSize)
                .batchNegatives(false).symmetric(symmetric).build(), QUERY_KEY_MERGE);
        return graph.setOutputs(SslMethod.LOSS).build();
    }

    /**
     * The key encoder: like {@link TargetBranch#append} (frozen train-mode copies named {@code target_ + online
     * name}), but with every BatchNormalization replaced by a SplitBatchNormalization when shuffle BN is on.
     */
    private String appendKeyEncoder(ComputationGraphConfiguration.GraphBuilder graph) {
        return TargetBranch.append(graph, SslMethod.INPUT, SslMethod.TARGET_PREFIX,
                (g, in) -> appendProjector(g, SslMethod.PROJECTOR_PREFIX, backbone.appendTo(g, in, SslMethod.BACKBONE_PREFIX)),
                layer -> shuffleBnGroups > 0 && layer instanceof BatchNormalization
                        ? SplitBatchNormalization.from((BatchNormalization) layer, shuffleBnGroups) : layer);
    }

    EmaTargetListener emaListener() {
        return EmaTargetListener.builder().scope(EmaScope.encoder()).momentum(momentum).build();
    }

    void initialize(ComputationGraph graph) {
        emaListener().initTargetFromOnline(graph);
    }

    List<TrainingListener> trainingListeners() {
        return List.of(emaListener(), KeyQueueListener.builder().lossLayer(SslMethod.LOSS).build());
    }

    public Backbone getBackbone() {
        return backbone;
    }

    public Head getHead() {
        return head;
    }

    public double getTemperature() {
        return temperature;
    }

    public int getQueueSize() {
        return queueSize;
    }

    public MomentumSchedule getMomentum() {
        return momentum;
    }

    public boolean isSymmetric() {
        return symmetric;
    }

    /** The number of SplitBatchNormalization groups in the key encoder, 0 if shuffle BN is off. */
    public int getShuffleBnGroups() {
        return shuffleBnGroups;
    }

    public IUpdater getUpdater() {
        return global.updater();
    }

    public double getWeightDecay() {
        return global.weightDecay();
    }

    /**
     * The builder settings shared by MoCo v1 and v2 (self-typed so that the methods' builders chain). Optimizer
     * default: SGD with Nesterov momentum 0.9, lr 0.03 (MoCo's SGD 0.03 / 0.9); weight decay 1e-4.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> extends MethodBuilder<B> {
        private Head head;
        private int hiddenSize;
        private int outputSize = 128;
        private ProjectionHead projector;
        private double temperature;
        private int queueSize = 65536;
        private MomentumSchedule momentum = MomentumSchedule.constant(0.999);
        private boolean symmetric;
        /** MoCo's shuffle BN is part of the method: on by default, emulated with 2 groups. */
        private int shuffleBnGroups = 2;
        private int batchSize;

        Builder(Head head, double temperature) {
            super(new Nesterovs(0.03, 0.9), 1e-4);
            this.head = head;
            this.temperature = temperature;
        }

        /** Output size of the projection (MoCo: 128). */
        public B outputSize(int outputSize) {
            if (outputSize <= 0) {
                throw new IllegalArgumentException("MoCo outputSize must be positive, got " + outputSize);
            }
            this.outputSize = outputSize;
            return self();
        }

        /** Replaces the paper's head by a {@link ProjectionHead} (Linear-BN-ReLU-Linear), e.g. SimCLR's. */
        public B projector(ProjectionHead projector) {
            this.projector = projector;
            return self();
        }

        /** Softmax temperature t &gt; 0 (MoCo v1: 0.07, v2: 0.2). */
        public B temperature(double temperature) {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("MoCo temperature must be a positive finite number, got " + temperature);
            }
            this.temperature = temperature;
            return self();
        }

        /**
         * Number K of keys in the queue: 65536 on ImageNet (default); 4096 for small data sets such as CIFAR-10
         * or Fashion-MNIST (MoCo's CIFAR demo), so that the queue is not mostly keys of a much older encoder.
         * K must be at least the number of keys enqueued per iteration (N, or 2N if symmetric).
         */
        public B queueSize(int queueSize) {
            if (queueSize <= 0) {
                throw new IllegalArgumentException("MoCo queueSize must be > 0, got " + queueSize);
            }
            this.queueSize = queueSize;
            return self();
        }

        /** Constant key-encoder momentum m in [0, 1] (MoCo: 0.999). */
        public B momentum(double m) {
            this.momentum = MomentumSchedule.constant(m);
            return self();
        }

        /** A momentum schedule, indexed by DL4J's iteration count (saved with the model). */
        public B momentum(MomentumSchedule schedule) {
            this.momentum = Objects.requireNonNull(schedule, "momentum schedule");
            return self();
        }

        /** Both views as queries (and 2N keys enqueued) instead of MoCo's one direction (default false). */
        public B symmetric(boolean symmetric) {
            this.symmetric = symmetric;
            return self();
        }

        /**
         * Emulated shuffle BN: the key encoder's BatchNormalization layers compute statistics over
         * {@code groups} sub-batches of contiguous rows ({@link SplitBatchNormalization}); 0 = off. Default 2:
         * the view-1 and the view-2 rows are normalised apart, so a key never shares batch statistics with its
         * query's view (MoCo section 3.3). The stacked batch of 2N rows must split into equal groups; an even number keeps the two views apart.
         */
        public B shuffleBn(int groups) {
            if (groups < 0 || groups == 1) {
                throw new IllegalArgumentException("shuffleBn groups must be 0 (off) or >= 2, got " + groups);
            }
            this.shuffleBnGroups = groups;
            return self();
        }

        /** Weight decay coefficient (MoCo: 1e-4; 0 to disable); any number that is not negative. */
        @Override
        double checkWeightDecay(double weightDecay) {
            return checkNotNegativeWeightDecay(weightDecay);
        }

        /**
         * Optional: the number of image pairs per batch, to check at build time that the queue holds at least
         * one batch of keys (otherwise the check happens at the first iteration).
         */
        public B batchSize(int pairs) {
            if (pairs <= 0) {
                throw new IllegalArgumentException("batchSize must be > 0, got " + pairs);
            }
            this.batchSize = pairs;
            return self();
        }

        /** Hidden size of the MoCo v2 MLP head (default: the backbone's feature size, as in MoCo v2); unused by v1. */
        public B hiddenSize(int hiddenSize) {
            if (hiddenSize <= 0) {
                throw new IllegalArgumentException("MoCo hiddenSize must be positive, got " + hiddenSize);
            }
            this.hiddenSize = hiddenSize;
            return self();
        }

        MocoConfig buildConfig() {
            return new MocoConfig(this);
        }
    }
}
