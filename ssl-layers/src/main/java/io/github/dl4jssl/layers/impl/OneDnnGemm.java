package io.github.dl4jssl.layers.impl;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Float matrix products C = alpha op(A) op(B) + beta C through oneDNN's {@code dnnl_sgemm}, for the linear layers and
 * the contrastive losses; {@code Nd4j.gemm} for everything else (double precision, oneDNN off or not loaded, arrays
 * whose rows or columns are not unit-stride).
 *
 * <p>Why: ND4J 1.0.0-M2.1's products run in OpenBLAS, whose threads are not the OpenMP threads of libnd4j's and
 * oneDNN's other ops; on 2 cores, switching between the two pools cost 2-6 ms per product, more than the product
 * itself. oneDNN's sgemm runs on the OpenMP threads: [512, 128] x [128, 512] took 0.35 ms against 1.7 ms for
 * {@code Nd4j.gemm} alone, and added 0.2-0.7 ms between two libnd4j ops where {@code Nd4j.gemm} added 2.1-6.1 ms
 * (session 19, {@code docs/bench/dense-s19/probe.txt}).</p>
 *
 * <p>oneDNN's sgemm is row-major. A c-order operand (unit column stride) is passed as it is, with its row stride as
 * leading dimension; an f-order one (unit row stride) is its transpose in row-major order, so its transpose flag is
 * flipped; an f-order C is computed as C^T = op(B)^T op(A)^T.</p>
 */
public final class OneDnnGemm {

    private OneDnnGemm() {
    }

    /** op(A) op(B) as a new c-order array (the shape of {@code Nd4j.gemm(a, b, transposeA, transposeB)}). */
    public static INDArray gemm(INDArray a, INDArray b, boolean transposeA, boolean transposeB) {
        long m = transposeA ? a.size(1) : a.size(0);
        long n = transposeB ? b.size(0) : b.size(1);
        INDArray c = Nd4j.createUninitialized(a.dataType(), m, n);
        return gemm(a, b, c, transposeA, transposeB, 1.0, 0.0);
    }

    /** C = alpha op(A) op(B) + beta C (C is not read when beta is 0); returns {@code c}. */
    public static INDArray gemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB,
                                double alpha, double beta) {
        if (!usesOneDnn(a, b, c)) {
            return nd4jGemm(a, b, c, transposeA, transposeB, alpha, beta);
        }
        long m = transposeA ? a.size(1) : a.size(0);
        long k = transposeA ? a.size(0) : a.size(1);
        long kb = transposeB ? b.size(1) : b.size(0);
        long n = transposeB ? b.size(0) : b.size(1);
        if (k != kb || c.size(0) != m || c.size(1) != n) {
            throw new IllegalArgumentException("gemm: op(A) " + m + " x " + k + " times op(B) " + kb + " x " + n
                    + " does not fit C " + Arrays.toString(c.shape()) + " (A " + Arrays.toString(a.shape())
                    + (transposeA ? " transposed" : "") + ", B " + Arrays.toString(b.shape())
                    + (transposeB ? " transposed" : "") + ")");
        }
        if (m == 0 || n == 0) {
            return c;
        }
        if (rowStride(c) >= 0) {
            run(Operand.of(a, transposeA), Operand.of(b, transposeB), m, n, k, alpha, beta, c, rowStride(c));
        } else {
            run(Operand.of(b, !transposeB), Operand.of(a, !transposeA), n, m, k, alpha, beta, c, columnStride(c));
        }
        return c;
    }

    /** Nd4j.gemm, through a contiguous copy of C where C is not (Nd4j.gemm accepts only element-wise stride 1). */
    private static INDArray nd4jGemm(INDArray a, INDArray b, INDArray c, boolean transposeA, boolean transposeB,
                                     double alpha, double beta) {
        if (c.elementWiseStride() == 1) {
            return Nd4j.gemm(a, b, c, transposeA, transposeB, alpha, beta);
        }
        INDArray own = beta == 0 ? Nd4j.createUninitialized(c.dataType(), c.shape()) : c.dup();
        Nd4j.gemm(a, b, own, transposeA, transposeB, alpha, beta);
        return c.assign(own);
    }

    /** Whether {@link #gemm} runs oneDNN's sgemm for these arrays (float matrices with a unit stride each). */
    static boolean usesOneDnn(INDArray a, INDArray b, INDArray c) {
        return OneDnn.enabled() && isFloatMatrix(a) && isFloatMatrix(b) && isFloatMatrix(c)
                && Operand.of(a, false) != null && Operand.of(b, false) != null
                && (rowStride(c) >= 0 || columnStride(c) >= 0);
    }

    private static boolean isFloatMatrix(INDArray x) {
        return x != null && x.rank() == 2 && x.dataType() == DataType.FLOAT && !x.isEmpty();
    }

    private static void run(Operand a, Operand b, long m, long n, long k, double alpha, double beta, INDArray c,
                            long ldc) {
        int status = dnnl.dnnl_sgemm(a.flag(), b.flag(), m, n, k, (float) alpha, address(a.array()), a.ld(),
                address(b.array()), b.ld(), (float) beta, address(c), ldc);
        if (status != dnnl.dnnl_success) {
            throw new IllegalStateException("oneDNN sgemm failed with status " + status + " for m=" + m + ", n=" + n
                    + ", k=" + k);
        }
    }

    /** The leading dimension of x read as row-major (unit column stride), or -1. */
    private static long rowStride(INDArray x) {
        return leadingDimension(x, 1);
    }

    /** The leading dimension of x read as column-major (unit row stride), or -1. */
    private static long columnStride(INDArray x) {
        return leadingDimension(x, 0);
    }

    /** The stride of x's other dimension when its dimension {@code unit} has unit stride (and covers it), or -1. */
    private static long leadingDimension(INDArray x, int unit) {
        long inner = x.size(unit);
        if (inner > 1 && x.stride(unit) != 1) {
            return -1;
        }
        long ld = x.size(1 - unit) > 1 ? x.stride(1 - unit) : inner;
        return ld >= Math.max(1, inner) ? ld : -1;
    }

    /** The address of x's first element (ND4J's buffer pointer includes a view's offset). */
    private static FloatPointer address(INDArray x) {
        return new FloatPointer(x.data().addressPointer());
    }

    /** A row-major operand of sgemm: its array, leading dimension and transpose flag. */
    private record Operand(INDArray array, long ld, byte flag) {

        /** op(x) (x transposed when {@code transpose}) as sgemm reads it, or null for neither layout. */
        static Operand of(INDArray x, boolean transpose) {
            long ld = rowStride(x);
            if (ld >= 0) {
                return new Operand(x, ld, transpose ? (byte) 'T' : (byte) 'N');
            }
            ld = columnStride(x);
            return ld < 0 ? null : new Operand(x, ld, transpose ? (byte) 'N' : (byte) 'T');
        }
    }
}
