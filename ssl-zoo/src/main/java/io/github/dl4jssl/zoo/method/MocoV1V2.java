package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.layers.SslLossLayer;
import io.github.dl4jssl.layers.NativeConvBnRelu;
import io.github.dl4jssl.layers.SplitBatchNormalization;
import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.KeyQueueListener;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.List;

/**
 * MoCo v1 and v2, what {@link MocoV1} and {@link MocoV2} share (He, Fan, Wu, Xie, Girshick,
 * "Momentum Contrast for Unsupervised Visual Representation Learning", CVPR 2020; Chen, Fan, Girshick, He,
 * "Improved Baselines with Momentum Contrastive Learning", arXiv:2003.04297, 2020): query encoder, frozen momentum
 * key encoder, InfoNCE against a key queue. The two differ only in head ({@link MlpHead#mocoV1Linear},
 * {@link MlpHead#mocoV2Mlp}) and temperature, which their Builders set. Immutable. (Until version 0.1.0 this
 * class was {@code MocoConfig}, with {@code MocoMethod} on top; neither is written into model files.)
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
 * {@link EmaScope#encoder()}, key encoder := m * key encoder + (1 - m) * query encoder, m constant 0.999 by
 * default, configured with the {@link EmaMethodBuilder} setters like every momentum method), then the
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
 * var), so the EMA pairs it with the online BatchNormalization unchanged. A fused convolution + batch norm + ReLU
 * block ({@code LayerImplementation.FUSED}, the default on the CPU) is copied with as many batch-norm groups
 * ({@link NativeConvBnRelu#withBatchNormGroups}), the same function as a convolution, a SplitBatchNormalization
 * and a ReLU.</p>
 */
public abstract class MocoV1V2 extends EmaMethod {

    /** The vertex that merges queries and keys, the loss input. */
    public static final String QUERY_KEY_MERGE = "qk";

    private final double temperature;
    private final int queueSize;
    private final boolean symmetric;
    private final int shuffleBnGroups;

    MocoV1V2(Builder<?> b) {
        super(b, b::defaultHead, net -> EmaScope.encoder());
        this.temperature = b.temperature;
        this.queueSize = b.queueSize;
        this.symmetric = b.symmetric;
        this.shuffleBnGroups = b.shuffleBnGroups;
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
    }

    /** The number of keys enqueued per iteration for batches of {@code pairs} images (N or 2N rows). */
    public int keysPerIteration(int pairs) { return symmetric ? 2 * pairs : pairs; }

    public double temperature() { return temperature; }

    /** The number K of keys in the queue. */
    public int queueSize() { return queueSize; }

    /** Whether both views are queries (and 2N keys are enqueued per iteration). */
    public boolean symmetric() { return symmetric; }

    /** The number of SplitBatchNormalization groups in the key encoder, 0 if shuffle BN is off. */
    public int shuffleBnGroups() { return shuffleBnGroups; }

    /**
     * The query encoder, then the key encoder: frozen train-mode copies named {@code target_ + online name}, with
     * every BatchNormalization replaced by a SplitBatchNormalization when shuffle BN is on (and every fused
     * convolution + batch norm + ReLU block given as many batch-norm groups).
     */
    @Override
    public ComputationGraphConfiguration configuration() {
        ComputationGraphConfiguration.GraphBuilder graph = graphBuilder();
        String q = appendEncoder(graph, INPUT);
        String k = appendTargetEncoder(graph, layer -> {
            if (shuffleBnGroups > 0 && layer instanceof NativeConvBnRelu) { // a fused block: its batch norm splits itself
                return ((NativeConvBnRelu) layer).withBatchNormGroups(shuffleBnGroups);
            }
            return shuffleBnGroups > 0 && layer instanceof BatchNormalization
                    ? SplitBatchNormalization.from((BatchNormalization) layer, shuffleBnGroups) : layer;
        });
        graph.addVertex(QUERY_KEY_MERGE, new MergeVertex(), q, k);
        graph.addLayer(LOSS, new InfoNceLoss.Builder().temperature(temperature).queueSize(queueSize)
                .batchNegatives(false).symmetric(symmetric).build(), QUERY_KEY_MERGE);
        return graph.setOutputs(LOSS).build();
    }

    /**
     * New instances of the {@code EmaTargetListener} (key encoder momentum update) and then the
     * {@code KeyQueueListener} (enqueue).
     */
    @Override
    public List<TrainingListener> trainingListeners(long totalIterations) {
        return List.of(emaListener(totalIterations), KeyQueueListener.builder().lossLayer(LOSS).build());
    }

    /**
     * The builder settings shared by MoCo v1 and v2 (self-typed so that the methods' builders chain): the momentum
     * settings of every EMA method (default: constant m = 0.999), and the optimizer default SGD with Nesterov
     * momentum 0.9, lr 0.03 (MoCo's SGD 0.03 / 0.9); weight decay 1e-4.
     *
     * @param <B> the concrete builder
     */
    public abstract static class Builder<B extends Builder<B>> extends EmaMethodBuilder<B> {
        private int hiddenSize;
        private int outputSize = 128;
        private double temperature;
        private int queueSize = 65536;
        private boolean symmetric;
        /** MoCo's shuffle BN is part of the method: on by default, emulated with 2 groups. */
        private int shuffleBnGroups = 2;
        private int batchSize;

        Builder(double temperature) {
            super(new Nesterovs(0.03, 0.9), 1e-4, 0.999, false);
            this.temperature = temperature;
        }

        /** The paper's head of this version for a backbone, of {@link #hiddenSize} (default: feature size) and {@link #outputSize}. */
        abstract MlpHead paperHead(int hiddenSize, int outputSize);

        private MlpHead defaultHead(Backbone backbone) {
            return paperHead(hiddenSize > 0 ? hiddenSize : backbone.featureSize(), outputSize);
        }

        /** Output size of the projection (MoCo: 128). */
        public B outputSize(int outputSize) {
            this.outputSize = positive("outputSize", outputSize);
            return self();
        }

        /** Hidden size of the MoCo v2 MLP head (default: the backbone's feature size, as in MoCo v2); unused by v1. */
        public B hiddenSize(int hiddenSize) {
            this.hiddenSize = positive("hiddenSize", hiddenSize);
            return self();
        }

        /** Softmax temperature t &gt; 0 (MoCo v1: 0.07, v2: 0.2). */
        public B temperature(double temperature) {
            this.temperature = SslLossLayer.checkTemperature("MoCo", temperature);
            return self();
        }

        /**
         * Number K of keys in the queue: 65536 on ImageNet (default); 4096 for small data sets such as CIFAR-10
         * or Fashion-MNIST (MoCo's CIFAR demo), so that the queue is not mostly keys of a much older encoder.
         * K must be at least the number of keys enqueued per iteration (N, or 2N if symmetric).
         */
        public B queueSize(int queueSize) {
            this.queueSize = positive("queueSize", queueSize);
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

        /**
         * Optional: the number of image pairs per batch, to check at build time that the queue holds at least
         * one batch of keys (otherwise the check happens at the first iteration).
         */
        public B batchSize(int pairs) {
            this.batchSize = positive("batchSize", pairs);
            return self();
        }

        private static int positive(String what, int value) {
            if (value <= 0) {
                throw new IllegalArgumentException("MoCo " + what + " must be positive, got " + value);
            }
            return value;
        }
    }
}
