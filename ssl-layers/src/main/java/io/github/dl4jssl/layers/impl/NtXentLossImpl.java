package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.ContrastiveOps;
import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The runtime layer of {@link NtXentLoss}: the loss of {@link NtXentLoss#defineLayer} (SimCLR, Chen et al. 2020,
 * eq. 1) and its gradient written out in plain ND4J operations instead of being run through SameDiff, whose
 * per-op overhead made the loss of a [512, 128] batch take about a tenth of SimCLR's training step on 2 cores.
 * The SameDiff graph stays the reference: {@code NtXentLoss.Builder.sameDiff(true)} runs it, and the tests check
 * that both give the same score and input gradient.
 *
 * <p>With z_i = x_i / max(|x_i|, eps), S = z z^T / t with the diagonal masked, l_i = logsumexp_k S_ik - S_i,p(i)
 * and L = sum_i l_i: dL/dS = P - Pos (P the row-wise softmax of S, Pos the partner permutation),
 * dL/dz = (G + G^T) z / t with G = dL/dS, and dL/dx_i = (dz_i - z_i (z_i . dz_i)) / |x_i| (dz_i / eps where
 * |x_i| &lt;= eps, as in the graph).</p>
 */
public class NtXentLossImpl extends ValidatingSameDiffOutputLayer {

    public NtXentLossImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private double temperature() {
        return ((NtXentLoss) layerConf()).getTemperature();
    }

    /** What the forward pass leaves for the gradient: normalised rows, their norms, row softmax and the loss. */
    private record Forward(INDArray z, INDArray norm, INDArray softmax, double loss) {
    }

    private Forward forward() {
        INDArray x = input.castTo(dataType);
        long rows = x.size(0);
        double t = temperature();
        INDArray norm = x.norm2(1);
        INDArray z = x.divColumnVector(Transforms.max(norm, ContrastiveOps.NORM_EPS, true).reshape(rows, 1));
        INDArray logits = z.mmul(z.transpose()).divi(t);
        logits.subi(Nd4j.eye(rows).castTo(dataType).muli(NtXentLoss.SELF_MASK));
        INDArray max = logits.max(1).reshape(rows, 1);
        INDArray softmax = Transforms.exp(logits.subColumnVector(max), false);
        INDArray sum = softmax.sum(1).reshape(rows, 1);
        softmax.diviColumnVector(sum);
        INDArray logDenominator = Transforms.log(sum, false).addi(max);
        double positive = z.mul(partners(z)).sumNumber().doubleValue() / t;
        return new Forward(z, norm, softmax, logDenominator.sumNumber().doubleValue() - positive);
    }

    /** Rows i and i + N swapped: each row's partner view. */
    private static INDArray partners(INDArray m) {
        long n = m.size(0) / 2;
        return Nd4j.concat(0, m.get(NDArrayIndex.interval(n, 2 * n), NDArrayIndex.all()),
                m.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()));
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        return (forward().loss() + fullNetRegTerm) / input.size(0);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Forward f = forward();
        double t = temperature();
        INDArray g = f.softmax();
        // G = P - Pos: the partner of row i is column (i + N) mod 2N
        long n = g.size(0) / 2;
        INDArray eye = Nd4j.eye(n).castTo(dataType);
        g.get(NDArrayIndex.interval(0, n), NDArrayIndex.interval(n, 2 * n)).subi(eye);
        g.get(NDArrayIndex.interval(n, 2 * n), NDArrayIndex.interval(0, n)).subi(eye);
        INDArray dz = g.add(g.transpose()).mmul(f.z()).divi(t);
        INDArray radial = f.z().mul(dz).sum(1).reshape(-1, 1);
        INDArray aboveEps = f.norm().gt(ContrastiveOps.NORM_EPS).castTo(dataType).reshape(-1, 1);
        INDArray dx = dz.subi(f.z().mulColumnVector(radial.muli(aboveEps)))
                .diviColumnVector(Transforms.max(f.norm(), ContrastiveOps.NORM_EPS, true).reshape(-1, 1));
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, dx.shape(), 'c');
        out.assign(dx);
        return new Pair<>(new DefaultGradient(), out);
    }
}
