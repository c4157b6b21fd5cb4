package io.github.dl4jssl.layers.impl;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bulk copies between dense row-major ND4J arrays (float or double) and Java {@code double} arrays, through the
 * buffers' native pointers, for layers that compute on the JVM ({@link FeatureBatchNorm}). No ND4J array is created
 * on the way: ND4J's own route ({@code toDoubleVector}, {@code Nd4j.createFromArray}) allocates a cast copy and a new
 * native buffer per call, which cost about 25 ms per [512, 512] round trip against well under one for these copies.
 * One instance per layer: it keeps its float transfer buffer between calls.
 */
final class HostCopy {

    private float[] transfer = new float[0];

    /** Row-major with DL4J's default strides (dimensions of size 1 aside): one contiguous run of a.length() values. */
    static boolean isRowMajorDense(INDArray a) {
        long expected = 1;
        for (int i = a.rank() - 1; i >= 0; i--) {
            if (a.size(i) != 1 && a.stride(i) != expected) {
                return false;
            }
            expected *= a.size(i);
        }
        return true;
    }

    /** The values of {@code a} in row-major order, into {@code dst} when it has the right length (else a new array). */
    double[] read(INDArray a, double[] dst) {
        int n = Math.toIntExact(a.length());
        double[] out = dst != null && dst.length == n ? dst : new double[n];
        INDArray dense = isRowMajorDense(a) && supported(a) ? a : a.castTo(DataType.DOUBLE).dup('c');
        if (dense.dataType() == DataType.DOUBLE) {
            new DoublePointer(dense.data().addressPointer()).get(out, 0, n);
        } else {
            float[] f = transfer(n);
            new FloatPointer(dense.data().addressPointer()).get(f, 0, n);
            for (int i = 0; i < n; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    /** Writes {@code src} (row-major) into {@code dst}, a dense row-major float or double array of src.length values. */
    void write(double[] src, INDArray dst) {
        if (!isRowMajorDense(dst) || !supported(dst) || dst.length() != src.length) {
            throw new IllegalArgumentException("destination must be a dense row-major float or double array of "
                    + src.length + " values, got " + dst.dataType() + " " + java.util.Arrays.toString(dst.shape())
                    + " with strides " + java.util.Arrays.toString(dst.stride()));
        }
        int n = src.length;
        if (dst.dataType() == DataType.DOUBLE) {
            new DoublePointer(dst.data().addressPointer()).put(src, 0, n);
        } else {
            float[] f = transfer(n);
            for (int i = 0; i < n; i++) {
                f[i] = (float) src[i];
            }
            new FloatPointer(dst.data().addressPointer()).put(f, 0, n);
        }
    }

    private static boolean supported(INDArray a) {
        return a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE;
    }

    private float[] transfer(int n) {
        if (transfer.length < n) {
            transfer = new float[n];
        }
        return transfer;
    }
}
