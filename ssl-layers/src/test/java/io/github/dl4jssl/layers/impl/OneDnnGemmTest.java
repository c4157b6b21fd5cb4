package io.github.dl4jssl.layers.impl;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OneDnnGemmTest {

    /** Ways to hold the same float matrix: c order, f order, and a block of a wider c- or f-order matrix. */
    private static List<Function<INDArray, INDArray>> layouts() {
        List<Function<INDArray, INDArray>> l = new ArrayList<>();
        l.add(x -> x.dup('c'));
        l.add(x -> x.dup('f'));
        l.add(x -> {
            INDArray wide = Nd4j.rand(DataType.FLOAT, x.size(0) + 2, x.size(1) + 3);
            INDArray v = wide.get(NDArrayIndex.interval(1, 1 + x.size(0)), NDArrayIndex.interval(2, 2 + x.size(1)));
            return v.assign(x);
        });
        l.add(x -> {
            INDArray wide = Nd4j.rand(DataType.FLOAT, 'f', x.size(0) + 3, x.size(1) + 1);
            INDArray v = wide.get(NDArrayIndex.interval(2, 2 + x.size(0)), NDArrayIndex.interval(1, 1 + x.size(1)));
            return v.assign(x);
        });
        return l;
    }

    @Test
    void equalsDoublePrecisionProductForEveryLayoutAndTransposition() {
        assumeTrue(OneDnn.enabled(), "oneDNN not loaded on this platform");
        Nd4j.getRandom().setSeed(11);
        long[][] mkn = {{1, 1, 1}, {3, 5, 4}, {7, 1, 6}, {1, 9, 5}, {33, 17, 20}};
        int checked = 0;
        for (long[] s : mkn) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                INDArray a = Nd4j.randn(DataType.FLOAT, ta ? s[1] : s[0], ta ? s[0] : s[1]);
                INDArray b = Nd4j.randn(DataType.FLOAT, tb ? s[2] : s[1], tb ? s[1] : s[2]);
                INDArray c0 = Nd4j.randn(DataType.FLOAT, s[0], s[2]);
                for (double[] ab : new double[][]{{1, 0}, {0.5, 1.5}}) {
                    INDArray expected = Nd4j.gemm(a.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE), ta, tb)
                            .muli(ab[0]).addi(c0.castTo(DataType.DOUBLE).mul(ab[1]));
                    for (Function<INDArray, INDArray> la : layouts()) {
                        for (Function<INDArray, INDArray> lb : layouts()) {
                            for (Function<INDArray, INDArray> lc : layouts()) {
                                INDArray c = lc.apply(ab[1] == 0 ? Nd4j.valueArrayOf(c0.shape(), Float.NaN, DataType.FLOAT) : c0);
                                INDArray av = la.apply(a);
                                INDArray bv = lb.apply(b);
                                assertTrue(OneDnnGemm.usesOneDnn(av, bv, c));
                                assertSame(c, OneDnnGemm.gemm(av, bv, c, ta, tb, ab[0], ab[1]));
                                String what = java.util.Arrays.toString(s) + " ta " + ta + " tb " + tb + " alpha/beta "
                                        + ab[0] + "/" + ab[1] + " orders " + av.ordering() + bv.ordering() + c.ordering();
                                assertTrue(expected.equalsWithEps(c.castTo(DataType.DOUBLE), 1e-4), what + "\n" + c + "\n" + expected);
                                assertEquals(a, av, "A unchanged");
                                checked++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(5 * 4 * 2 * 64, checked);
    }

    @Test
    void newResultHasTheProductsShape() {
        INDArray a = Nd4j.randn(DataType.FLOAT, 6, 4);
        INDArray b = Nd4j.randn(DataType.FLOAT, 5, 4);
        INDArray c = OneDnnGemm.gemm(a, b, false, true);
        assertArrayEquals(new long[]{6, 5}, c.shape());
        assertTrue(Nd4j.gemm(a, b, false, true).equalsWithEps(c, 1e-5));
    }

    @Test
    void doublesAndStridedArraysTakeNd4jsGemm() {
        INDArray a = Nd4j.randn(DataType.DOUBLE, 4, 3);
        INDArray b = Nd4j.randn(DataType.DOUBLE, 3, 2);
        assertFalse(OneDnnGemm.usesOneDnn(a, b, Nd4j.create(DataType.DOUBLE, 4, 2)));
        assertEquals(Nd4j.gemm(a, b, false, false), OneDnnGemm.gemm(a, b, false, false));
        INDArray wideC = Nd4j.randn(DataType.DOUBLE, 5, 7);
        INDArray cView = wideC.get(NDArrayIndex.interval(1, 5), NDArrayIndex.interval(2, 4));
        INDArray expected = Nd4j.gemm(a, b, false, false).muli(2).addi(cView.mul(0.5));
        assertSame(cView, OneDnnGemm.gemm(a, b, cView, false, false, 2, 0.5));
        assertTrue(expected.equalsWithEps(cView, 1e-12), "a strided C is written through a copy");
        INDArray wide = Nd4j.randn(DataType.FLOAT, 4, 6);
        INDArray everyOther = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 6));
        INDArray bf = Nd4j.randn(DataType.FLOAT, 3, 2);
        assertFalse(OneDnnGemm.usesOneDnn(everyOther, bf, Nd4j.create(DataType.FLOAT, 4, 2)));
        assertTrue(Nd4j.gemm(everyOther.dup(), bf, false, false).equalsWithEps(
                OneDnnGemm.gemm(everyOther, bf, false, false), 1e-5));
    }

    @Test
    void mismatchedShapesAreAnErrorNamingThem() {
        assumeTrue(OneDnn.enabled(), "oneDNN not loaded on this platform");
        INDArray a = Nd4j.randn(DataType.FLOAT, 4, 3);
        INDArray b = Nd4j.randn(DataType.FLOAT, 5, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OneDnnGemm.gemm(a, b, Nd4j.create(DataType.FLOAT, 4, 2), false, false, 1, 0));
        assertTrue(e.getMessage().contains("4 x 3") && e.getMessage().contains("5 x 2"), e.getMessage());
    }
}
