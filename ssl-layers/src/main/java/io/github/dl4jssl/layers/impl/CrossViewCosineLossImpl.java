package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.CrossViewCosineLoss;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link CrossViewCosineLoss} (BYOL's and SimSiam's losses): the loss of
 * {@link CrossViewCosineLoss#defineLayer} and its gradient in plain ND4J operations, in place of the SameDiff graph,
 * which leaked native memory at every step in DL4J 1.0.0-M2.1.
 *
 * <p>With unit predictions u_i = p_i / |p_i| (the left half of the input, normalised by {@link UnitRows}) and the other
 * view's unit targets w_i = z_s(i) / |z_s(i)| (the right half, no gradient), L = sum_i (a u_i . w_i + b), so
 * dL/du_i = a w_i, and dL/dp from dL/du by {@link UnitRows#backprop}; the target half gets a zero gradient.</p>
 */
public class CrossViewCosineLossImpl extends HandDerivedLossLayer {

    public CrossViewCosineLossImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private CrossViewCosineLoss lossConf() {
        return (CrossViewCosineLoss) layerConf();
    }

    /** The unit predictions, the other view's unit targets and the summed loss. */
    private record Forward(UnitRows predictions, INDArray partnerTargets, double loss) {
    }

    private Forward forward() {
        CrossViewCosineLoss c = lossConf();
        INDArray x = input.castTo(dataType);
        long rows = x.size(0);
        long d = x.size(1) / 2;
        UnitRows u = UnitRows.of(columns(x, 0, d));
        INDArray w = UnitRows.swapViews(UnitRows.of(columns(x, d, 2 * d)).z());
        double cosines = u.z().mul(w).sumNumber().doubleValue();
        return new Forward(u, w, c.cosineScale() * cosines + c.cosineOffset() * rows);
    }

    @Override
    protected double loss() {
        return forward().loss();
    }

    @Override
    protected LossAndGradient lossAndGradient() {
        Forward f = forward();
        INDArray du = f.partnerTargets().mul(lossConf().cosineScale());
        long d = du.size(1);
        INDArray dx = Nd4j.zeros(dataType, du.size(0), 2 * d);
        columns(dx, 0, d).assign(f.predictions().backprop(du));
        return new LossAndGradient(f.loss(), dx);
    }
}
