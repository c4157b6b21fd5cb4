package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The runtime layer of {@link NtXentLoss}: the loss of {@link NtXentLoss#defineLayer} (SimCLR, Chen et al. 2020,
 * eq. 1) and its gradient written out in plain ND4J operations instead of being run through SameDiff, whose
 * per-op overhead made the loss of a [512, 128] batch take about a tenth of SimCLR's training step on 2 cores.
 * The SameDiff graph stays the reference: {@code NtXentLoss.Builder.sameDiff(true)} runs it, and the tests check
 * that both give the same score and input gradient.
 *
 * <p>With z_i = x_i / max(|x_i|, eps), S = z z^T / t with the diagonal masked, l_i = logsumexp_k S_ik - S_i,p(i)
 * and L = sum_i l_i: dL/dS = P - Pos (P the row-wise softmax of S, Pos the partner permutation),
 * dL/dz = (G + G^T) z / t with G = dL/dS, and dL/dx from dL/dz by {@link UnitRows#backprop}.</p>
 */
public class NtXentLossImpl extends HandDerivedLossLayer {

    public NtXentLossImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private double temperature() {
        return ((NtXentLoss) layerConf()).getTemperature();
    }

    /** What the forward pass leaves for the gradient: the unit rows, the row softmax and the loss. */
    private record Forward(UnitRows z, INDArray softmax, double loss) {
    }

    private Forward forward() {
        UnitRows unit = UnitRows.of(input.castTo(dataType));
        INDArray z = unit.z();
        long rows = z.size(0);
        double t = temperature();
        INDArray logits = OneDnnGemm.gemm(z, z, false, true).divi(t); // z z^T; mmul took 4.7x as long (see OneDnnGemm)
        logits.subi(Nd4j.eye(rows).castTo(dataType).muli(NtXentLoss.SELF_MASK));
        RowSoftmax softmax = RowSoftmax.ofInPlace(logits);
        double positive = z.mul(UnitRows.swapViews(z)).sumNumber().doubleValue() / t;
        return new Forward(unit, softmax.probabilities(), softmax.logNormalizers().sumNumber().doubleValue() - positive);
    }

    @Override
    protected double loss() {
        return forward().loss();
    }

    @Override
    protected LossAndGradient lossAndGradient() {
        Forward f = forward();
        double t = temperature();
        INDArray g = f.softmax();
        // G = P - Pos: the partner of row i is column (i + N) mod 2N
        long n = g.size(0) / 2;
        INDArray eye = Nd4j.eye(n).castTo(dataType);
        g.get(NDArrayIndex.interval(0, n), NDArrayIndex.interval(n, 2 * n)).subi(eye);
        g.get(NDArrayIndex.interval(n, 2 * n), NDArrayIndex.interval(0, n)).subi(eye);
        INDArray dz = OneDnnGemm.gemm(g.add(g.transpose()), f.z().z(), false, false).divi(t);
        return new LossAndGradient(f.loss(), f.z().backprop(dz));
    }
}
