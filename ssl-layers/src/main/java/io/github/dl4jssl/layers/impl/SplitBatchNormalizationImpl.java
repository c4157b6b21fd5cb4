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
 * Runtime layer of {@link SplitBatchNormalization}: in training mode each group's batch normalisation on the contiguous
 * [B/G*C, H*W] rows of its images ({@link ChannelRows}, as {@link NativeBatchNormalizationImpl}) for CNN input, the
 * SameDiff graph otherwise (and as the tested reference); running statistics in inference mode (plain ND4J), running
 * statistics updated after the backward pass.
 */
public class SplitBatchNormalizationImpl extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {

    public SplitBatchNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private SplitBatchNormalization cfg() {
        return (SplitBatchNormalization) layerConf();
    }

    private static volatile boolean sameDiffTrainingForward;

    /**
     * Whether the training-mode forward pass of CNN input runs the SameDiff graph (the reference) instead of the
     * per-group row code (the default; MoCo's key encoder at batch 2x256 on SmallCnn: 108 ms for the four layers
     * through SameDiff). Both compute the same; for tests and speed comparisons.
     */
    static void setSameDiffTrainingForward(boolean sameDiff) {
        sameDiffTrainingForward = sameDiff;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        // channel rows need more than one value per row and more than one row per group: libnd4j's per-row ops treat
        // an [R, 1] matrix as a vector (1x1 maps: ResNet's last stage on small images), as NativeBatchNormalizationImpl
        if (training && cfg().getHeight() * cfg().getWidth() > 1 && !sameDiffTrainingForward
                && input.size(0) / cfg().getGroups() * input.size(1) > 1) {
            return groupedTrainingForward(workspaceMgr);
        }
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

    /**
     * Training mode, CNN input [B, C, H, W]: group g (images [g*B/G, (g+1)*B/G)) is the block of rows
     * [g*B/G*C, (g+1)*B/G*C) of the contiguous [B*C, H*W] matrix; its per-channel mean and biased variance (two
     * passes: the variance of x - mean) normalise it, then gamma and beta scale and shift it, as the SameDiff graph.
     */
    private INDArray groupedTrainingForward(LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        SplitBatchNormalization c = cfg();
        c.validateInput(input);
        DataType dt = paramTable.get(SplitBatchNormalization.MEAN).dataType();
        INDArray x = input.castTo(dt);
        long[] shape = x.shape();
        long per = shape[0] / c.getGroups();
        long channels = shape[1];
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dt, shape, 'c');
        INDArray x2 = x.reshape('c', shape[0] * channels, shape[2] * shape[3]);
        INDArray out2 = out.reshape('c', shape[0] * channels, shape[2] * shape[3]);
        double[] gamma = new double[(int) channels];
        double[] beta = new double[(int) channels];
        if (c.isLockGammaBeta()) {
            java.util.Arrays.fill(gamma, c.getGamma());
            java.util.Arrays.fill(beta, c.getBeta());
        } else {
            gamma = paramTable.get(SplitBatchNormalization.GAMMA).toDoubleVector();
            beta = paramTable.get(SplitBatchNormalization.BETA).toDoubleVector();
        }
        ChannelRows rows = new ChannelRows(new long[]{per, channels, shape[2], shape[3]});
        double m = rows.valuesPerChannel();
        for (long g = 0; g < c.getGroups(); g++) {
            org.nd4j.linalg.indexing.INDArrayIndex block =
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(g * per * channels, (g + 1) * per * channels);
            INDArray xg = x2.get(block, org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray og = out2.get(block, org.nd4j.linalg.indexing.NDArrayIndex.all());
            double[] mean = rows.sum(xg);
            for (int i = 0; i < mean.length; i++) {
                mean[i] /= m;
            }
            ChannelRows.subtract(xg, rows.perRow(mean, dt), og);
            double[] var = rows.sumOfSquares(og);
            for (int i = 0; i < var.length; i++) {
                var[i] /= m;
            }
            rows.scaleAndShift(og, var, gamma, beta, c.getEps(), dt);
        }
        return out.castTo(dataType);
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
