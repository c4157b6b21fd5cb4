package io.github.dl4jssl.layers.impl;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseScalarOp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarSubtraction;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A contiguous NCHW activation {@code [N, C, H, W]} seen as the matrix {@code [N*C, H*W]}: every row is one image's
 * plane of one channel (channel {@code row % C}), stored contiguously. Per-channel reductions and broadcasts
 * become per-row ones, which libnd4j runs along contiguous memory (its reductions and broadcasts over axis 1 of
 * the 4-d array walk strided sub-arrays and are several times slower). Used by {@link NativeBatchNormalizationImpl}.
 *
 * <p>Row-wise broadcasts use libnd4j's "scalar along dimension" ops (one scalar per row, the fast path of
 * ND4J's {@code addiColumnVector}); its legacy broadcast ops are an order of magnitude slower here. Per-channel
 * quantities are {@code double[C]} on the Java side: combining the N*C row results there (in double) takes
 * microseconds, where small libnd4j ops cost milliseconds each.</p>
 */
final class ChannelRows {

    private final int n;
    private final int c;
    private final long plane;
    private final HostCopy hostCopy = new HostCopy();

    /** For an activation of shape {@code [N, C, H, W]}. */
    ChannelRows(long[] nchw) {
        this.n = Math.toIntExact(nchw[0]);
        this.c = Math.toIntExact(nchw[1]);
        this.plane = nchw[2] * nchw[3];
    }

    /** Number of values per channel, N*H*W. */
    long valuesPerChannel() {
        return n * plane;
    }

    /** The [N*C, H*W] matrix of an [N, C, H, W] array: a view if x is c-order contiguous, else a c-order copy. */
    INDArray rows(INDArray x) {
        return x.reshape('c', (long) n * c, plane);
    }

    /**
     * Per-channel values to the per-row column [N*C, 1] of type {@code type}, written through the buffer's pointer
     * ({@link HostCopy}) into an uninitialized array (in the current workspace, if any). Before, ND4J's
     * {@code createFromArray} built it: async-profiler put 11.7 ms of CPU per SimCLR step there (session 17,
     * {@code docs/bench/profile-s17}); whole-step A/B runs could not separate the change from their noise.
     */
    INDArray perRow(double[] perChannel, DataType type) {
        int rows = n * c;
        double[] v = new double[rows];
        for (int r = 0; r < rows; r++) {
            v[r] = perChannel[r % c];
        }
        if (type == DataType.FLOAT || type == DataType.DOUBLE) {
            INDArray column = Nd4j.createUninitialized(type, rows, 1);
            hostCopy.write(v, column);
            return column;
        }
        return Nd4j.createFromArray(v).reshape(rows, 1).castTo(type);
    }

    /**
     * Per-channel sums of a [N*C, H*W] matrix (per row in its type, then over rows in double). In float, the row sums
     * are the product rows x ones through oneDNN's sgemm ({@link OneDnnGemm}): 2.5 ms against 6.2 ms for libnd4j's
     * {@code Sum} along rows of [16384, 784] (session 19, {@code docs/bench/dense-s19/BnProbe.java}).
     */
    double[] sum(INDArray rows) {
        if (rows.dataType() == DataType.FLOAT) {
            INDArray ones = Nd4j.ones(DataType.FLOAT, plane, 1);
            INDArray rowSums = Nd4j.createUninitialized(DataType.FLOAT, (long) n * c, 1);
            if (OneDnnGemm.usesOneDnn(rows, ones, rowSums)) {
                return overRows(OneDnnGemm.gemm(rows, ones, rowSums, false, false, 1.0, 0.0));
            }
        }
        return overRows(Nd4j.exec(new Sum(rows, rowResult(rows), 1)));
    }

    /** Per-channel sums of squares of a [N*C, H*W] matrix. */
    double[] sumOfSquares(INDArray rows) {
        return overRows(Nd4j.exec(new SquaredNorm(rows, rowResult(rows), 1)));
    }

    /** Per-channel sums of the element-wise products of two [N*C, H*W] matrices. */
    double[] dot(INDArray rowsA, INDArray rowsB) {
        return overRows(Nd4j.exec(new Dot(rowsA, rowsB, rowResult(rowsA), 1)));
    }

    private INDArray rowResult(INDArray rows) {
        return Nd4j.createUninitialized(rows.dataType(), (long) n * c);
    }

    /** Per-row values [N*C] summed per channel, in double. */
    private double[] overRows(INDArray rowValues) {
        double[] v = hostCopy.read(rowValues, null);
        double[] sums = new double[c];
        for (int r = 0; r < v.length; r++) {
            sums[r % c] += v[r];
        }
        return sums;
    }

    /**
     * The last step of batch normalisation on centred rows, in place: centred * gamma / sqrt(var + eps) + beta per
     * channel (scale computed in double, one per-row multiply and one per-row add).
     */
    void scaleAndShift(INDArray centred, double[] var, double[] gamma, double[] beta, double eps, DataType type) {
        double[] scale = new double[gamma.length];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = gamma[i] / Math.sqrt(var[i] + eps);
        }
        multiply(centred, perRow(scale, type), centred);
        add(centred, perRow(beta, type), centred);
    }

    /** z = x - column (per row); x and z [N*C, H*W] (may be the same array), column [N*C, 1]. */
    static void subtract(INDArray x, INDArray column, INDArray z) {
        along(new ScalarSubtraction(x, column, z, 0.0));
    }

    /** z = x * column (per row). */
    static void multiply(INDArray x, INDArray column, INDArray z) {
        along(new ScalarMultiplication(x, column, z, 0.0));
    }

    /** z = x + column (per row). */
    static void add(INDArray x, INDArray column, INDArray z) {
        along(new ScalarAdd(x, column, z, 0.0));
    }

    private static void along(BaseScalarOp op) {
        op.setDimension(1);
        Nd4j.getExecutioner().exec(op);
    }
}
