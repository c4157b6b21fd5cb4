package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.InfoNceLoss;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The runtime layer of {@link InfoNceLoss} (MoCo's contrastive loss, He et al. 2020, eq. 1; MoCo v3, Chen et al.
 * 2021, eq. 1): the loss of {@link InfoNceLoss#defineLayer} and its gradient written out in plain ND4J operations.
 * In SameDiff the loss against MoCo's queue of 4,096 keys took about a sixth of MoCo v2's training step on 2 cores.
 * The SameDiff graph stays the reference: {@code InfoNceLoss.Builder.sameDiff(true)} runs it, and the tests check
 * that both give the same score and gradients.
 *
 * <p>With unit queries q_i (the left half of the input, normalised by {@link UnitRows}), unit keys k (the right
 * half, no gradient), the partner key p_i = k_{(i + N) mod 2N} and the candidate keys c (the other view's batch keys
 * and/or the queue Q), the logits are s_ic = q_i . c / t, l_i = logsumexp_c s_ic - q_i . p_i / t and
 * L = sum_i w_i l_i (w_i = 1, or 2 for the first view and 0 for the second without symmetry; times 2t with
 * {@code scaleByTwoTemperature}). Then dL/dq_i = w_i (sum_c P_ic c - p_i) / t with P the row-wise softmax, and
 * dL/dx from dL/dq by {@link UnitRows#backprop}; the key half gets a zero gradient.</p>
 *
 * <p>The products go through {@link OneDnnGemm} with transpose flags, the logits written straight into their columns
 * of one array. ND4J 1.0.0-M2.1's {@code mmul} took 4-5x as long as {@code Nd4j.gemm} for the same products: 18.0
 * against 3.6 ms for the queue logits [512, 128] x [128, 4096], 12.5 against 3.7 ms for their gradient (session 18,
 * one JVM, median of 20); oneDNN's sgemm avoids OpenBLAS's own thread pool as well (session 19).</p>
 */
public class InfoNceLossImpl extends HandDerivedLossLayer {

    public InfoNceLossImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private InfoNceLoss lossConf() {
        return (InfoNceLoss) layerConf();
    }

    /** The forward pass: unit queries, partner keys, the candidates' softmax, row weights and the loss. */
    private record Forward(UnitRows q, INDArray partner, INDArray softmax, INDArray weights, double loss) {
    }

    private Forward forward() {
        InfoNceLoss c = lossConf();
        INDArray x = input.castTo(dataType);
        long rows = x.size(0);
        long n = rows / 2;
        long d = x.size(1) / 2;
        double t = c.getTemperature();
        UnitRows q = UnitRows.of(columns(x, 0, d));
        INDArray partner = UnitRows.swapViews(UnitRows.of(columns(x, d, 2 * d)).z());
        INDArray positive = q.z().mul(partner).sum(1).reshape(rows, 1).divi(t);
        // the logits [rows, batch columns + K], each product written by oneDNN straight into its columns, scaled by 1/t
        long batchColumns = c.isBatchNegatives() ? rows : 1;
        INDArray logits = Nd4j.createUninitialized(dataType, rows, batchColumns + c.getQueueSize());
        if (c.isBatchNegatives()) {
            // a query's candidates are the keys of the other view: the partner rows of its own half
            OneDnnGemm.gemm(q.z(), partner, columns(logits, 0, rows), false, true, 1 / t, 0);
            logits.get(NDArrayIndex.interval(0, n), NDArrayIndex.interval(n, rows)).subi(InfoNceLoss.NOT_A_CANDIDATE);
            logits.get(NDArrayIndex.interval(n, rows), NDArrayIndex.interval(0, n)).subi(InfoNceLoss.NOT_A_CANDIDATE);
        } else {
            columns(logits, 0, 1).assign(positive);
        }
        if (c.getQueueSize() > 0) {
            OneDnnGemm.gemm(q.z(), queue(), columns(logits, batchColumns, batchColumns + c.getQueueSize()), false, true,
                    1 / t, 0);
        }
        RowSoftmax softmax = RowSoftmax.ofInPlace(logits);
        INDArray weights = Nd4j.valueArrayOf(new long[]{rows, 1}, c.isScaleByTwoTemperature() ? 2 * t : 1.0, dataType);
        if (!c.isSymmetric()) {
            weights.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).muli(2);
            weights.get(NDArrayIndex.interval(n, rows), NDArrayIndex.all()).assign(0);
        }
        double loss = softmax.logNormalizers().sub(positive).muli(weights).sumNumber().doubleValue();
        return new Forward(q, partner, softmax.probabilities(), weights, loss);
    }

    private INDArray queue() {
        return getParam(InfoNceLoss.QUEUE).castTo(dataType);
    }

    @Override
    protected double loss() {
        return forward().loss();
    }

    @Override
    protected LossAndGradient lossAndGradient() {
        InfoNceLoss c = lossConf();
        Forward f = forward();
        INDArray g = f.softmax().muliColumnVector(f.weights());   // dL/ds, up to the positive's -w_i
        long rows = g.size(0);
        long batchColumns = c.isBatchNegatives() ? rows : 1;
        INDArray batchG = columns(g, 0, batchColumns);
        INDArray dq = c.isBatchNegatives() ? OneDnnGemm.gemm(batchG, f.partner(), false, false)
                : f.partner().mulColumnVector(batchG);
        dq.subi(f.partner().mulColumnVector(f.weights()));
        if (c.getQueueSize() > 0) {
            OneDnnGemm.gemm(columns(g, batchColumns, batchColumns + c.getQueueSize()), queue(), dq, false, false, 1, 1);
        }
        dq.divi(c.getTemperature());
        INDArray dx = Nd4j.zeros(dataType, rows, 2 * dq.size(1));
        columns(dx, 0, dq.size(1)).assign(f.q().backprop(dq));
        return new LossAndGradient(f.loss(), dx);
    }
}
