package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.SplitBatchNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Runtime layer of {@link SplitBatchNormalization}: the SameDiff graph in training mode, running statistics in inference mode (plain ND4J),
 * running statistics updated after the backward pass.
 */
public class SplitBatchNormalizationImpl extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {

    public SplitBatchNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SplitBatchNormalization cfg() {
        return (SplitBatchNormalization) layerConf();
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (training) {
            return super.activate(true, workspaceMgr);
        }
        assertInputSet(false);
        SplitBatchNormalization c = cfg();
        INDArray out;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            c.validateInput(input);
            long[] channel = c.getHeight() > 0 ? new long[] {1, c.getNOut(), 1, 1} : new long[] {1, c.getNOut()};
            INDArray mean = paramTable.get(SplitBatchNormalization.MEAN).dup().reshape(channel);
            INDArray var = runningVariance(c).reshape(channel);
            INDArray x = input.castTo(mean.dataType());
            out = x.sub(mean).divi(Transforms.sqrt(var.addi(c.getEps()), false));
            if (c.isLockGammaBeta()) {
                out.muli(c.getGamma()).addi(c.getBeta());
            } else {
                out.muli(paramTable.get(SplitBatchNormalization.GAMMA).dup().reshape(channel)).addi(paramTable.get(SplitBatchNormalization.BETA).dup().reshape(channel));
            }
        }
        return workspaceMgr.dup(ArrayType.ACTIVATIONS, out);
    }

    private INDArray runningVariance(SplitBatchNormalization c) {
        INDArray stat = paramTable.get(c.runningStatName()).dup();
        return c.isUseLogStd() ? Transforms.pow(Transforms.pow(stat.dup().assign(10.0), stat, false), 2, false) : stat;
    }

    /**
     * The backward pass of per-group batch normalisation, in ND4J: with {@code m} values per group and channel,
     * {@code dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / sqrt(var + eps)}, {@code dxhat = dy * gamma},
     * {@code dgamma = sum(dy * xhat)}, {@code dbeta = sum(dy)}; zero gradient for the running statistics. Then the
     * running statistics move towards the average group statistics.
     *
     * <p>Not SameDiff's backward pass: in DL4J 1.0.0-M2.1 the gradients of this layer through
     * {@code SameDiffLayer}'s external-errors backward pass came out exactly twice the numerical gradient (for
     * every parameter and the input, even for a plain {@code x * gamma + beta} graph), so the double-precision
     * gradient check of this class verifies this hand-written backward pass instead.</p>
     */
    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        SplitBatchNormalization c = cfg();
        Gradient g = new DefaultGradient();
        INDArray dx;
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            c.validateInput(input);
            DataType dt = paramTable.get(SplitBatchNormalization.MEAN).dataType();
            long b = input.size(0);
            long s = c.getHeight() > 0 ? c.getHeight() * c.getWidth() : 1;
            long[] grouped = {c.getGroups(), b / c.getGroups(), c.getNOut(), s};
            int[] axes = {1, 3};
            INDArray xs = input.castTo(dt).dup('c').reshape('c', grouped);
            INDArray dys = epsilon.castTo(dt).dup('c').reshape('c', grouped);
            INDArray mu = xs.mean(true, axes);
            INDArray centred = xs.sub(mu);
            INDArray var = centred.mul(centred).mean(true, axes);
            INDArray std = Transforms.sqrt(var.addi(c.getEps()), false);
            INDArray xhat = centred.divi(std);
            INDArray dxhat;
            if (c.isLockGammaBeta()) {
                dxhat = dys.mul(c.getGamma());
            } else {
                INDArray gamma = paramTable.get(SplitBatchNormalization.GAMMA).dup().reshape(1, 1, c.getNOut(), 1);
                dxhat = dys.mul(gamma);
                gradTable.get(SplitBatchNormalization.GAMMA).assign(dys.mul(xhat).sum(0, 1, 3));
                gradTable.get(SplitBatchNormalization.BETA).assign(dys.sum(0, 1, 3));
            }
            INDArray meanDxhat = dxhat.mean(true, axes);
            INDArray meanDxhatXhat = dxhat.mul(xhat).mean(true, axes);
            dx = dxhat.subi(meanDxhat).subi(xhat.muli(meanDxhatXhat)).divi(std).reshape('c', input.shape());
            gradTable.get(SplitBatchNormalization.MEAN).assign(0);
            gradTable.get(c.runningStatName()).assign(0);
            for (String name : paramTable.keySet()) {
                g.gradientForVariable().put(name, gradTable.get(name));
            }
            updateRunningStatistics(c);
        }
        return new Pair<>(g, workspaceMgr.dup(ArrayType.ACTIVATION_GRAD, dx.castTo(input.dataType())));
    }

    private void updateRunningStatistics(SplitBatchNormalization c) {
        INDArray mean = paramTable.get(SplitBatchNormalization.MEAN);
        INDArray[] batch = c.averageGroupStatistics(input.castTo(mean.dataType()));
        // assigned whole (not through sub-views): see KeyQueue on views of the flat parameter vector
        mean.assign(mean.dup().muli(c.getDecay()).addi(batch[0].muli(1.0 - c.getDecay())));
        INDArray var = runningVariance(c).muli(c.getDecay()).addi(batch[1].muli(1.0 - c.getDecay()));
        INDArray stat = paramTable.get(c.runningStatName());
        stat.assign(c.isUseLogStd() ? Transforms.log(var, 10.0, false).muli(0.5) : var);
    }
}
