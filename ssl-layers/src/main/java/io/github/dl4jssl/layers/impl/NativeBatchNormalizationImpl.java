package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.LayerHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link io.github.dl4jssl.layers.NativeBatchNormalization}, for rank-4 input with learned
 * gamma and beta and for rank-2 input (with learned or locked gamma and beta). Training mode normalises with the batch mean and biased variance over all axes but the channel
 * axis (as DL4J) and backpropagates through these statistics.
 * <ul>
 *   <li>NCHW: computed on the contiguous [N*C, H*W] rows of the activations ({@link ChannelRows}): per-row sums,
 *   centred sums of squares and dot products, combined per channel in double, and per-row scale/shift. A few
 *   contiguous passes, several times faster than libnd4j's {@code batchnorm}/{@code batchnorm_bp} and ND4J's
 *   reductions over axes (0, 2, 3), which walk strided sub-arrays.</li>
 *   <li>NHWC, and NCHW with a single row or a single value per row (1x1 maps): libnd4j's {@code batchnorm} and
 *   {@code batchnorm_bp}.</li>
 *   <li>Rank 2 (the [N, C] features of projection and prediction MLPs): on Java double arrays
 *   ({@link FeatureBatchNorm}).</li>
 * </ul>
 * The running mean and log10 standard deviation (or variance) "gradients" are DL4J's (see DL4J's
 * BatchNormalization: the updater subtracts them). Other inputs, and rank 4 with {@code lockGammaBeta}, take DL4J's
 * own code.
 */
public class NativeBatchNormalizationImpl extends BatchNormalization {

    /** Batch statistics of the last native training forward pass (outside workspaces); null after DL4J's path. */
    private INDArray batchMean;
    private INDArray batchVar;

    public NativeBatchNormalizationImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /**
     * The batch mean and biased variance ([C] each, outside workspaces) of the last training forward pass, until its
     * backward pass; null when there is none or DL4J's own path ran.
     */
    INDArray[] batchStatistics() {
        return batchMean == null ? null : new INDArray[]{batchMean, batchVar};
    }

    @Override
    public LayerHelper getHelper() { return null; }

    /** Rank 2 (feed-forward [N, C], also with locked gamma and beta; float or double) and rank 4 with learned gamma and beta. */
    private boolean nativePath(INDArray x) {
        boolean hostType = dataType == DataType.FLOAT || dataType == DataType.DOUBLE;
        return (x.rank() == 2 && hostType) || (x.rank() == 4 && !layerConf().isLockGammaBeta());
    }

    private int channelAxis(INDArray x) {
        return x.rank() == 4 && layerConf().getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1;
    }

    private int[] reductionAxes(INDArray x) {
        return channelAxis(x) == 1 ? new int[]{0, 2, 3} : new int[]{0, 1, 2};
    }

    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }

    /** Running variance from the stored parameter: (10^log10std)^2 or the variance itself. */
    private INDArray globalVariance() {
        boolean log = layerConf().isUseLogStd();
        return RunningStatistics.variance(getParam(log ? BatchNormalizationParamInitializer.GLOBAL_LOG_STD
                : BatchNormalizationParamInitializer.GLOBAL_VAR), log);
    }

    @Override
    public INDArray preOutput(INDArray x, TrainingMode training, LayerWorkspaceMgr workspaceMgr) {
        batchMean = null;
        batchVar = null;
        if (!nativePath(x)) {
            return super.preOutput(x, training, workspaceMgr);
        }
        int ch = channelAxis(x);
        if (x.size(ch) != layerConf().getNOut()) {
            throw new IllegalArgumentException("input.size(" + ch + ") does not match expected input size of "
                    + layerConf().getNOut() + " - got input array with shape " + java.util.Arrays.toString(x.shape())
                    + " " + layerId());
        }
        x = x.castTo(dataType);
        boolean train = training == TrainingMode.TRAIN;
        if (x.rank() == 2) {
            return featuresForward(x, train, workspaceMgr);
        }
        return rowsPath(x) ? rowsForward(x, train, workspaceMgr) : libnd4jForward(x, train, workspaceMgr);
    }

    /**
     * Whether x takes the row-wise path: NCHW with more than one row and more than one value per row (libnd4j's
     * per-row ops treat a matrix with a single row or column as a vector; such arrays are tiny anyway).
     */
    private boolean rowsPath(INDArray x) {
        return x.rank() == 4 && channelAxis(x) == 1 && x.size(0) * x.size(1) > 1 && x.size(2) * x.size(3) > 1;
    }

    /** NHWC (and tiny NCHW): libnd4j's batchnorm, with the batch statistics from ND4J's reductions in training mode. */
    private INDArray libnd4jForward(INDArray x, boolean train, LayerWorkspaceMgr workspaceMgr) {
        INDArray mean;
        INDArray var;
        if (train) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                batchMean = x.mean(reductionAxes(x));
                batchVar = x.var(false, reductionAxes(x));
            }
            mean = batchMean;
            var = batchVar;
        } else {
            mean = vector(getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
            var = vector(globalVariance());
        }
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, mean, var, vector(getParam(BatchNormalizationParamInitializer.GAMMA)),
                        vector(getParam(BatchNormalizationParamInitializer.BETA)))
                .addOutputs(out)
                .addIntegerArguments(1, 1, channelAxis(x))
                .addFloatingPointArguments(layerConf().getEps())
                .build());
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (batchMean == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray x = input.castTo(dataType);
        if (epsilon.dataType() != dataType) {
            epsilon = epsilon.castTo(dataType);
        }
        Gradient gradient = new DefaultGradient();
        INDArray epsNext;
        if (x.rank() == 2) {
            epsNext = featuresBackward(x, epsilon, gradient, workspaceMgr);
        } else {
            epsNext = rowsPath(x) ? rowsBackward(x, epsilon, workspaceMgr) : libnd4jBackward(x, epsilon, workspaceMgr);
        }
        if (!layerConf().isLockGammaBeta()) {
            gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA,
                    gradientViews.get(BatchNormalizationParamInitializer.GAMMA));
            gradient.setGradientFor(BatchNormalizationParamInitializer.BETA,
                    gradientViews.get(BatchNormalizationParamInitializer.BETA));
        }
        runningStatisticsUpdate(gradient);
        batchMean = null;
        batchVar = null;
        return new Pair<>(gradient, epsNext);
    }

    /** NHWC (and tiny NCHW): libnd4j's batchnorm_bp; writes the gamma and beta gradients, returns dL/dx. */
    private INDArray libnd4jBackward(INDArray x, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        long c = batchMean.length();
        INDArray dGamma = gradientViews.get(BatchNormalizationParamInitializer.GAMMA);
        INDArray dBeta = gradientViews.get(BatchNormalizationParamInitializer.BETA);
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dMean = Nd4j.createUninitialized(dataType, c);
        INDArray dVar = Nd4j.createUninitialized(dataType, c);
        Nd4j.exec(DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(x, batchMean, batchVar, vector(getParam(BatchNormalizationParamInitializer.GAMMA)),
                        vector(getParam(BatchNormalizationParamInitializer.BETA)), epsilon)
                .addOutputs(epsNext, dMean, dVar, vector(dGamma), vector(dBeta))
                .addIntegerArguments(1, 1, channelAxis(x))
                .addFloatingPointArguments(layerConf().getEps())
                .build());
        return epsNext;
    }

    /** Gamma and beta: the parameters, or the configuration's constants with {@code lockGammaBeta}. */
    private double[][] gammaBeta(int c) {
        if (layerConf().isLockGammaBeta()) {
            double[] gamma = new double[c];
            double[] beta = new double[c];
            java.util.Arrays.fill(gamma, layerConf().getGamma());
            java.util.Arrays.fill(beta, layerConf().getBeta());
            return new double[][]{gamma, beta};
        }
        return new double[][]{values(BatchNormalizationParamInitializer.GAMMA), values(BatchNormalizationParamInitializer.BETA)};
    }

    /** Copies of rank-2 inputs and output gradients on the JVM, kept between calls (rank-2 path only). */
    private final HostCopy hostCopy = new HostCopy();
    private double[] inputValues;
    private double[] gradientValues;

    /** Rank 2 ([N, C] features) on Java arrays ({@link FeatureBatchNorm}). */
    private INDArray featuresForward(INDArray x, boolean train, LayerWorkspaceMgr workspaceMgr) {
        int n = Math.toIntExact(x.size(0));
        int c = Math.toIntExact(x.size(1));
        double[] xs = inputValues = hostCopy.read(x, inputValues);
        double[] mean;
        double[] var;
        if (train) {
            mean = FeatureBatchNorm.mean(xs, n, c);
            var = FeatureBatchNorm.biasedVariance(xs, n, c, mean);
            batchMean = detached(mean);
            batchVar = detached(var);
        } else {
            mean = values(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            var = vector(globalVariance()).toDoubleVector();
        }
        double[][] gb = gammaBeta(c);
        double[] y = FeatureBatchNorm.normalise(xs, n, c, mean, var, gb[0], gb[1], layerConf().getEps(), xs);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        hostCopy.write(y, out);
        return out;
    }

    /**
     * Rank 2: writes the gamma and beta gradients into their views (or, with locked gamma and beta, into
     * {@code gradient}), returns dL/dx.
     */
    private INDArray featuresBackward(INDArray x, INDArray epsilon, Gradient gradient, LayerWorkspaceMgr workspaceMgr) {
        int n = Math.toIntExact(x.size(0));
        int c = Math.toIntExact(x.size(1));
        inputValues = hostCopy.read(x, inputValues);
        gradientValues = hostCopy.read(epsilon, gradientValues);
        FeatureBatchNorm.Gradients g = FeatureBatchNorm.backward(inputValues, gradientValues, n, c,
                batchMean.toDoubleVector(), batchVar.toDoubleVector(), gammaBeta(c)[0], layerConf().getEps(),
                gradientValues);
        if (layerConf().isLockGammaBeta()) {
            // as DL4J's layer: the gradients of the constants are reported, in arrays outside the parameters
            gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, detached(g.dGamma()).reshape(1, c));
            gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, detached(g.dBeta()).reshape(1, c));
        } else {
            writeGammaBetaGradients(g.dGamma(), g.dBeta());
        }
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        hostCopy.write(g.dx(), epsNext);
        return epsNext;
    }

    /** Copies per-channel gamma and beta gradients (double) into the layer's gradient views. */
    private void writeGammaBetaGradients(double[] dGamma, double[] dBeta) {
        vector(gradientViews.get(BatchNormalizationParamInitializer.GAMMA)).assign(
                Nd4j.createFromArray(dGamma).castTo(dataType));
        vector(gradientViews.get(BatchNormalizationParamInitializer.BETA)).assign(
                Nd4j.createFromArray(dBeta).castTo(dataType));
    }

    private double[] values(String param) {
        return vector(getParam(param)).toDoubleVector();
    }

    /** A [C] vector of the layer's type outside workspaces (it lives until the backward pass). */
    private INDArray detached(double[] v) {
        try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
            return Nd4j.createFromArray(v).castTo(dataType);
        }
    }

    private static double[] scaled(double[] v, double factor) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] * factor;
        }
        return r;
    }

    /**
     * NCHW on the [N*C, H*W] rows: mean and biased variance (two passes: the variance of x - mean), then
     * out = (x - mean) * gamma / sqrt(var + eps) + beta, with the running statistics in inference mode.
     */
    private INDArray rowsForward(INDArray x, boolean train, LayerWorkspaceMgr workspaceMgr) {
        ChannelRows rows = new ChannelRows(x.shape());
        INDArray x2 = rows.rows(x);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, x.shape(), 'c');
        INDArray out2 = rows.rows(out);
        double[] mean;
        double[] var;
        if (train) {
            double m = rows.valuesPerChannel();
            batchMean = detached(scaled(rows.sum(x2), 1.0 / m));
            mean = batchMean.toDoubleVector();
            ChannelRows.subtract(x2, rows.perRow(mean, dataType), out2);
            batchVar = detached(scaled(rows.sumOfSquares(out2), 1.0 / m));
            var = batchVar.toDoubleVector();
        } else {
            mean = values(BatchNormalizationParamInitializer.GLOBAL_MEAN);
            ChannelRows.subtract(x2, rows.perRow(mean, dataType), out2);
            var = vector(globalVariance()).toDoubleVector();
        }
        rows.scaleAndShift(out2, var, values(BatchNormalizationParamInitializer.GAMMA),
                values(BatchNormalizationParamInitializer.BETA), layerConf().getEps(), dataType);
        return out;
    }

    /**
     * NCHW on the [N*C, H*W] rows, through the batch statistics: with xc = x - mean, s = 1 / sqrt(var + eps),
     * dbeta = sum(dy), dgamma = s * sum(dy * xc) and
     * dx = gamma * s * (dy - dbeta / M - xc * s * dgamma / M) (M = N*H*W values per channel), computed as
     * dx = xc, dx *= -s dgamma / M, dx += -dbeta / M, dx += dy, dx *= gamma s.
     * Writes the gamma and beta gradients, returns dx.
     */
    private INDArray rowsBackward(INDArray x, INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        ChannelRows rows = new ChannelRows(x.shape());
        INDArray x2 = rows.rows(x);
        INDArray dy2 = rows.rows(epsilon);
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
        INDArray dx2 = rows.rows(epsNext);
        double m = rows.valuesPerChannel();
        double[] var = batchVar.toDoubleVector();
        double[] gamma = values(BatchNormalizationParamInitializer.GAMMA);
        double[] dBeta = rows.sum(dy2);
        ChannelRows.subtract(x2, rows.perRow(batchMean.toDoubleVector(), dataType), dx2);
        double[] dGamma = rows.dot(dx2, dy2);
        double[] xcFactor = new double[var.length];
        double[] shift = new double[var.length];
        double[] dyFactor = new double[var.length];
        for (int i = 0; i < var.length; i++) {
            double s = 1.0 / Math.sqrt(var[i] + layerConf().getEps());
            dGamma[i] *= s;
            xcFactor[i] = -s * dGamma[i] / m;
            shift[i] = -dBeta[i] / m;
            dyFactor[i] = gamma[i] * s;
        }
        ChannelRows.multiply(dx2, rows.perRow(xcFactor, dataType), dx2);
        ChannelRows.add(dx2, rows.perRow(shift, dataType), dx2);
        dx2.addi(dy2);
        ChannelRows.multiply(dx2, rows.perRow(dyFactor, dataType), dx2);
        writeGammaBetaGradients(dGamma, dBeta);
        return epsNext;
    }

    private void runningStatisticsUpdate(Gradient gradient) {
        RunningStatistics.update(gradient, paramTable(), gradientViews, layerConf().getDecay(), layerConf().isUseLogStd(),
                batchMean, batchVar);
    }
}
