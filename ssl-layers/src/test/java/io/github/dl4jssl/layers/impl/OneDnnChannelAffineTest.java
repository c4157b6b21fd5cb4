package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link OneDnnChannelAffine} against the same per-channel maps written with plain loops in double, for shapes with
 * fewer and more channels than oneDNN's vector block, in place and into another array.
 */
class OneDnnChannelAffineTest {

    private static final long[][] SHAPES = {{2, 3, 4, 5}, {3, 20, 3, 3}, {1, 1, 2, 2}, {4, 33, 2, 1}, {8, 64, 7, 7}, {2, 32, 28, 28}};

    private static INDArray channelValues(long c, int seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.FLOAT, c);
    }

    @Test
    void scaleShiftAndCombineEqualThePlainFormulas() {
        assertTrue(OneDnnOperation.available(), "oneDNN must load on CI's x86-64 machines");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        for (long[] shape : SHAPES) {
            Nd4j.getRandom().setSeed(3);
            INDArray x = Nd4j.randn(DataType.FLOAT, shape);
            INDArray t = Nd4j.randn(DataType.FLOAT, shape);
            INDArray a = channelValues(shape[1], 4);
            INDArray b = channelValues(shape[1], 5);
            INDArray g = channelValues(shape[1], 6);
            for (boolean inPlace : new boolean[]{false, true}) {
                String where = java.util.Arrays.toString(shape) + " in place " + inPlace;
                try (OneDnnChannelAffine scaleShift = new OneDnnChannelAffine(shape, false);
                     OneDnnChannelAffine combine = new OneDnnChannelAffine(shape, true)) {
                    INDArray src = x.dup();
                    INDArray y = inPlace ? src : Nd4j.createUninitialized(DataType.FLOAT, shape);
                    scaleShift.scaleShift(src, a, b, y, mgr);
                    INDArray src2 = x.dup();
                    INDArray z = inPlace ? src2 : Nd4j.createUninitialized(DataType.FLOAT, shape);
                    combine.combine(src2, a, b, t, g, z, mgr);
                    for (long i = 0; i < x.length(); i++) {
                        long[] at = org.nd4j.linalg.api.shape.Shape.ind2subC(x, i);
                        int c = (int) at[1];
                        double xv = x.getDouble(at);
                        double expectedY = xv * a.getDouble(c) + b.getDouble(c);
                        double expectedZ = (xv * a.getDouble(c) + b.getDouble(c) + t.getDouble(at)) * g.getDouble(c);
                        assertEquals(expectedY, y.getDouble(at), 1e-5 * (1 + Math.abs(expectedY)), "scale and shift " + where);
                        assertEquals(expectedZ, z.getDouble(at), 1e-5 * (1 + Math.abs(expectedZ)), "combine " + where);
                    }
                    if (!inPlace) {
                        assertEquals(x, src, "the input is left alone " + where);
                    }
                    // oneDNN's vectorised code, not its reference loops
                    assertTrue(scaleShift.implementation().startsWith("jit"), scaleShift.implementation() + " " + where);
                    assertTrue(combine.implementation().startsWith("jit"), combine.implementation() + " " + where);
                }
            }
        }
    }

    /** oneDNN's broadcast went wrong on [N, C, 1, 1] (1x1 maps): refused with the shape in the message. */
    @Test
    void oneByOneMapsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OneDnnChannelAffine(new long[]{4, 33, 1, 1}, false));
        assertTrue(e.getMessage().contains("[4, 33, 1, 1]"), e.getMessage());
    }
}
