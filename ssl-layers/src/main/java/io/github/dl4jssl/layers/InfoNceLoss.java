package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.InfoNceLossImpl;
import io.github.dl4jssl.layers.impl.HandDerivedLossLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The InfoNCE contrastive loss of the MoCo family, as a DL4J output layer, with negatives from a queue of
 * past keys held inside the layer (MoCo v1/v2) and/or from the keys of the current batch (MoCo v3).
 *
 * <p>He, Fan, Wu, Xie, Girshick, "Momentum Contrast for Unsupervised Visual Representation Learning"
 * (MoCo v1), CVPR 2020, eq. (1) and Algorithm 1; Chen, Fan, Girshick, He, "Improved Baselines with
 * Momentum Contrastive Learning" (MoCo v2), arXiv:2003.04297, 2020; Chen, Xie, He, "An Empirical Study of
 * Training Self-Supervised Vision Transformers" (MoCo v3), ICCV 2021, eq. (1) and Algorithm 1.</p>
 *
 * <p><b>In:</b> {@code merge(q, k)} of shape [2N, 2d] (see {@link MergedPairLoss}): {@code q} = the online
 * (query) encoder's outputs and {@code k} = the momentum (key) encoder's outputs, for the stacked two-view
 * batch (rows i and i + N are the two views of image i). Both are L2-normalised inside the layer. The
 * positive key of query row i is the key of the other view, {@code k_s(i)}, {@code s(i) = (i + N) mod 2N}.
 * <b>Out:</b> the score, per query row</p>
 * <pre>
 *   l(i) = -log( exp(q_i.k_s(i) / t) / sum_{c in C(i)} exp(q_i.c / t) )
 * </pre>
 * <p>where the candidates C(i) are the positive and</p>
 * <ul>
 * <li>with {@link Builder#batchNegatives(boolean) batchNegatives} (MoCo v3): the N keys of the other view,
 *     i.e. the positive plus the other view's keys of the N - 1 other images (the keys of the query's own
 *     view are not candidates);</li>
 * <li>with {@link Builder#queueSize(int) queueSize} K &gt; 0 (MoCo v1/v2): the K keys of the queue.</li>
 * </ul>
 * <p>With {@link Builder#symmetric(boolean) symmetric} (default; MoCo v3, and MoCo v2's symmetrised
 * variant) every one of the 2N rows is a query, and the loss is the sum of l over the 2N rows: the mean DL4J
 * reports is (ctr(q1, k2) + ctr(q2, k1)) / 2, half of MoCo v3's sum of the two terms. Otherwise only the
 * view-1 rows (i &lt; N) are queries (MoCo v1/v2: query view 1, key view 2) and the loss is 2 sum_{i&lt;N} l(i),
 * so that after DL4J's division by 2N the score is the mean over the N queries.
 * {@link Builder#scaleByTwoTemperature(boolean)} multiplies the loss by 2t, as MoCo v3's code does
 * ({@code CrossEntropyLoss(...) * 2 * T}) to make the gradient scale insensitive to t.</p>
 *
 * <p><b>Gradients.</b> Only into q: the k columns and the queue pass through SameDiff's stop-gradient op,
 * so the gradient sent back to the k half of the input is exactly zero (the key encoder should also be
 * frozen, e.g. a {@code TrainModeFrozenLayer} updated by an EMA listener).</p>
 *
 * <p><b>Queue.</b> With K &gt; 0 the layer has two parameters, so that {@code ModelSerializer} saves them:
 * {@value #QUEUE} of shape [K, d] (initialised, as in MoCo, with random L2-normalised rows) and
 * {@value #QUEUE_PTR} of shape [1, 1], the FIFO write position (a whole number in [0, K); named without an
 * underscore because {@code ComputationGraph.getParam("layer_param")} splits at the last one). The optimizer never
 * changes them: {@link #getUpdaterByParam} gives both {@code Sgd(0)} (DL4J's {@code NoOp} would apply the raw
 * gradient) and {@link #getRegularizationByParam} none. They change only through {@link KeyQueue#enqueue},
 * which a listener calls after each iteration (MoCo's dequeue-and-enqueue). Exclude {@code <layer>_queue} and
 * {@code <layer>_queuePtr} from gradient checks: their gradient is zero by design.</p>
 *
 * <pre>{@code
 * graph.addVertex("qk", new MergeVertex(), "online_proj", "target_proj");
 * graph.addLayer("loss", new InfoNceLoss.Builder().temperature(0.2).queueSize(4096).batchNegatives(false)
 *         .build(), "qk");                                          // MoCo v2
 * graph.addLayer("loss", new InfoNceLoss.Builder().temperature(0.2).build(), "qk");   // MoCo v3
 * }</pre>
 */
public class InfoNceLoss extends MergedPairLoss {

    /** Name of the queue parameter, shape [K, d]. */
    public static final String QUEUE = "queue";
    /** Name of the queue pointer parameter, shape [1, 1]. */
    public static final String QUEUE_PTR = "queuePtr";

    /** Subtracted from the logits of the keys that are not candidates. */
    public static final double NOT_A_CANDIDATE = 1e9;

    private double temperature = 0.2;
    private int queueSize;
    private boolean batchNegatives = true;
    private boolean symmetric = true;
    private boolean scaleByTwoTemperature;

    /** For JSON. */
    protected InfoNceLoss() {
    }

    protected InfoNceLoss(Builder b) {
        super(b);
        this.temperature = b.temperature;
        this.queueSize = b.queueSize;
        this.batchNegatives = b.batchNegatives;
        this.symmetric = b.symmetric;
        this.scaleByTwoTemperature = b.scaleByTwoTemperature;
    }

    /**
     * The runtime layer: {@link InfoNceLossImpl}, the same loss and gradient in plain ND4J operations, unless
     * {@link Builder#sameDiff(boolean)} asked for the SameDiff graph of {@link #defineLayer}.
     */
    @Override
    protected HandDerivedLossLayer handDerivedLayer(NeuralNetConfiguration conf, DataType dataType) {
        return new InfoNceLossImpl(conf, dataType);
    }

    @Override
    protected String pairDescription() {
        return "queries q, keys k";
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (queueSize > 0) {
            params.addWeightParam(QUEUE, queueSize, halfWidth());
            params.addWeightParam(QUEUE_PTR, 1, 1);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        if (queueSize > 0) {
            INDArray queue = params.get(QUEUE);
            INDArray random = Nd4j.randn(queue.dataType(), queue.shape());
            queue.assign(random.diviColumnVector(random.norm2(1).reshape(-1, 1)));
            params.get(QUEUE_PTR).assign(0);
        }
    }

    /** The queue and its pointer get {@code Sgd(0)}: the optimizer must never change them. */
    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (QUEUE.equals(paramName) || QUEUE_PTR.equals(paramName)) {
            return new Sgd(0.0);
        }
        return super.getUpdaterByParam(paramName);
    }

    /** No weight decay or L1/L2 on the queue and its pointer. */
    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (QUEUE.equals(paramName) || QUEUE_PTR.equals(paramName)) {
            return Collections.emptyList();
        }
        return super.getRegularizationByParam(paramName);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        long d = halfWidth();
        SDVariable q = ContrastiveOps.l2Normalize(sd, ContrastiveOps.leftColumns(input, d));
        SDVariable k = ContrastiveOps.l2Normalize(sd,
                ContrastiveOps.stopGradient(sd, ContrastiveOps.rightColumns(input, d)));
        SDVariable partner = ContrastiveOps.swapViews(sd, k, d);
        SDVariable positive = q.mul(partner).sum(1).div(temperature);

        // rows: view 1 = [1, ..., 1, 0, ..., 0] as a [2N, 1] column (no gradient: built from onesLike)
        SDVariable ones = sd.onesLike(positive);
        SDVariable firstView = ones.reshape(2, -1)
                .mul(sd.constant(Nd4j.createFromArray(new double[][]{{1.0}, {0.0}})).castTo(input.dataType()))
                .reshape(-1, 1);

        SDVariable logits;
        if (batchNegatives) {
            // column j of q.partner^T is the key of the other view of image j mod N; the candidates of a
            // view-1 query are the columns j < N (all keys of view 2), and vice versa: a block-diagonal mask
            SDVariable all = sd.mmul(q, partner, false, true, false).div(temperature);
            SDVariable secondView = firstView.rsub(1.0);
            SDVariable sameBlock = sd.mmul(firstView, firstView, false, true, false)
                    .add(sd.mmul(secondView, secondView, false, true, false));
            logits = all.sub(sameBlock.rsub(1.0).mul(NOT_A_CANDIDATE));
        } else {
            logits = positive.reshape(-1, 1);
        }
        if (queueSize > 0) {
            SDVariable queue = ContrastiveOps.stopGradient(sd, params.get(QUEUE));
            logits = sd.concat(1, logits, sd.mmul(q, queue, false, true, false).div(temperature));
        }
        SDVariable perRow = ContrastiveOps.logSumExpRows(sd, logits).sub(positive);
        if (!symmetric) {
            perRow = perRow.mul(firstView.reshape(-1).mul(2.0));
        }
        SDVariable loss = perRow.sum();
        if (scaleByTwoTemperature) {
            loss = loss.mul(2 * temperature);
        }
        if (queueSize > 0) {
            // The pointer does not enter the loss, but DL4J's SameDiff layer wants a gradient array for every
            // parameter (else a NullPointerException in backprop): add 0 * stopgrad(ptr), whose gradient is zeros.
            loss = loss.add(ContrastiveOps.stopGradient(sd, params.get(QUEUE_PTR)).sum().mul(0.0));
        }
        // some configurations leave helper variables unused; SameDiff must be told which output is the loss
        loss.markAsLoss();
        return loss;
    }

    public double getTemperature() { return temperature; }

    public void setTemperature(double temperature) { this.temperature = temperature; }

    public int getQueueSize() { return queueSize; }

    public void setQueueSize(int queueSize) { this.queueSize = queueSize; }

    public boolean isBatchNegatives() { return batchNegatives; }

    public void setBatchNegatives(boolean batchNegatives) { this.batchNegatives = batchNegatives; }

    public boolean isSymmetric() { return symmetric; }

    public void setSymmetric(boolean symmetric) { this.symmetric = symmetric; }

    public boolean isScaleByTwoTemperature() { return scaleByTwoTemperature; }

    public void setScaleByTwoTemperature(boolean scaleByTwoTemperature) {
        this.scaleByTwoTemperature = scaleByTwoTemperature;
    }

    /** Builder in DL4J style; the defaults are MoCo v3's (t = 0.2, batch negatives, symmetric, no queue). */
    public static class Builder extends SslLossLayer.Builder<Builder> {
        private double temperature = 0.2;
        private int queueSize;
        private boolean batchNegatives = true;
        private boolean symmetric = true;
        private boolean scaleByTwoTemperature;

        /** Softmax temperature t &gt; 0: 0.07 in MoCo v1, 0.2 in MoCo v2 and v3. */
        public Builder temperature(double temperature) {
            this.temperature = checkTemperature("InfoNceLoss", temperature);
            return this;
        }

        /**
         * Number K of past keys kept as negatives (MoCo: 65536 on ImageNet, 4096 for CIFAR); 0 = no queue.
         * K must be at least the number of keys enqueued per iteration (see {@link KeyQueue}).
         */
        public Builder queueSize(int queueSize) {
            this.queueSize = Checks.atLeast("InfoNceLoss queueSize (0 = no queue)", queueSize, 0);
            return this;
        }

        /** Whether the other view's keys of the batch are negatives (MoCo v3: true; MoCo v1/v2: false). */
        public Builder batchNegatives(boolean batchNegatives) { this.batchNegatives = batchNegatives; return this; }

        /** Whether both views are queries (true: MoCo v3) or only the first N rows (MoCo v1/v2). */
        public Builder symmetric(boolean symmetric) { this.symmetric = symmetric; return this; }

        /** Multiply the loss by 2t as MoCo v3's reference code does (default false). */
        public Builder scaleByTwoTemperature(boolean scaleByTwoTemperature) {
            this.scaleByTwoTemperature = scaleByTwoTemperature;
            return this;
        }

        public InfoNceLoss build() {
            if (queueSize == 0 && !batchNegatives) {
                throw new IllegalArgumentException("InfoNceLoss needs negatives: set queueSize(K > 0) (MoCo v1/v2) "
                        + "and/or batchNegatives(true) (MoCo v3)");
            }
            return new InfoNceLoss(this);
        }
    }
}
