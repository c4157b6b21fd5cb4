package io.github.dl4jssl.layers.impl;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.*;

/** {@link HostCopy}: values in row-major order for dense arrays, views with an offset, f-order and workspace arrays. */
class HostCopyTest {

    /** 0, 1, 2, ... in row-major order, as the type asked for. */
    private static INDArray counting(DataType type, long... shape) {
        return Nd4j.linspace(0, Nd4j.create(shape).length() - 1, Nd4j.create(shape).length(), DataType.DOUBLE)
                .reshape('c', shape).castTo(type);
    }

    private static double[] expected(INDArray a) {
        return a.dup('c').castTo(DataType.DOUBLE).reshape('c', new long[]{a.length()}).toDoubleVector();
    }

    @Test
    void readsRowMajorValuesOfDenseArraysViewsAndOtherOrders() {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray big = counting(type, 6, 5);
            INDArray[] cases = {
                    big,
                    big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()),   // dense rows, offset 10
                    big.get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3)),   // strided columns
                    big.dup('f'),
                    big.transpose(),
            };
            HostCopy copy = new HostCopy();
            for (INDArray a : cases) {
                assertArrayEquals(expected(a), copy.read(a, null), 0.0, type + " " + a.shapeInfoToString());
            }
            assertTrue(HostCopy.isRowMajorDense(cases[1]));
            assertFalse(HostCopy.isRowMajorDense(cases[2]));
            assertFalse(HostCopy.isRowMajorDense(cases[3]));
        }
    }

    @Test
    void readReusesTheGivenArrayOfTheRightLength() {
        double[] scratch = new double[30];
        assertSame(scratch, new HostCopy().read(counting(DataType.FLOAT, 6, 5), scratch));
        assertNotSame(scratch, new HostCopy().read(counting(DataType.FLOAT, 2, 5), scratch));
    }

    @Test
    void writesIntoDenseViewsWithAnOffsetAndWorkspaceArrays() {
        double[] values = {0.5, -1.25, 3.0, 7.75, -2.5, 1e-3};
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            HostCopy copy = new HostCopy();
            INDArray big = Nd4j.zeros(type, 4, 3);
            INDArray rows = big.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
            copy.write(values, rows);
            assertArrayEquals(values, expected(rows), 1e-7);
            assertEquals(0.0, big.getRow(0).sumNumber().doubleValue());
            assertEquals(0.0, big.getRow(3).sumNumber().doubleValue());

            WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 16).build();
            try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "HostCopyTest")) {
                Nd4j.create(type, 7);   // something before, so the next array sits at an offset in the workspace
                INDArray target = Nd4j.createUninitialized(type, 2, 3);
                copy.write(values, target);
                assertArrayEquals(values, copy.read(target, null), 1e-7);
                assertArrayEquals(values, expected(target), 1e-7);
            }
        }
    }

    @Test
    void refusesDestinationsItCannotFillInPlace() {
        HostCopy copy = new HostCopy();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> copy.write(new double[6], Nd4j.zeros(DataType.FLOAT, 3, 2).dup('f')));
        assertTrue(e.getMessage().contains("dense row-major"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> copy.write(new double[5], Nd4j.zeros(DataType.FLOAT, 3, 2)));
        assertThrows(IllegalArgumentException.class, () -> copy.write(new double[6], Nd4j.zeros(DataType.HALF, 3, 2)));
    }
}
