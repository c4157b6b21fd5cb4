package io.github.dl4jssl.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/** {@link KeyQueue#ringRows} and {@link KeyQueue#putRingRows} against element-by-element expectations. */
class KeyQueueRingTest {

    /** A [5, 2] ring whose row r holds (10 r, 10 r + 1). */
    private static INDArray ring() {
        return Nd4j.createFromArray(new float[][]{{0, 1}, {10, 11}, {20, 21}, {30, 31}, {40, 41}});
    }

    @Test
    void readsRowsModuloTheRingSize() {
        INDArray r = ring();
        assertEquals(Nd4j.createFromArray(new float[][]{{30, 31}, {40, 41}, {0, 1}, {10, 11}}), KeyQueue.ringRows(r, 3, 4),
                "wraps after the last row");
        assertEquals(Nd4j.createFromArray(new float[][]{{40, 41}}), KeyQueue.ringRows(r, 4, 1), "one row, the last");
        assertEquals(Nd4j.createFromArray(new float[][]{{40, 41}, {0, 1}}), KeyQueue.ringRows(r, 4, 2),
                "one row on each side of the wrap");
        assertEquals(Nd4j.createFromArray(new float[][]{{10, 11}, {20, 21}}), KeyQueue.ringRows(r, 1, 2), "no wrap");
        assertEquals(ring(), r, "reading leaves the ring unchanged");
    }

    @Test
    void writesRowsModuloTheRingSize() {
        INDArray r = ring();
        KeyQueue.putRingRows(r, 4, Nd4j.createFromArray(new float[][]{{-1, -2}, {-3, -4}, {-5, -6}}));
        assertEquals(Nd4j.createFromArray(new float[][]{{-3, -4}, {-5, -6}, {20, 21}, {30, 31}, {-1, -2}}), r);
        KeyQueue.putRingRows(r, 2, Nd4j.createFromArray(new float[][]{{7, 8}}));
        assertEquals(Nd4j.createFromArray(new float[][]{{-3, -4}, {-5, -6}, {7, 8}, {30, 31}, {-1, -2}}), r,
                "one row, inside the ring");
    }

    @Test
    void rangesOutsideTheRingAreRefused() {
        INDArray r = ring();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyQueue.ringRows(r, 5, 1));
        assertTrue(e.getMessage().contains("ring of 5 rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyQueue.ringRows(r, 0, 6));
        assertThrows(IllegalArgumentException.class, () -> KeyQueue.putRingRows(r, -1, Nd4j.zeros(DataType.FLOAT, 1, 2)));
    }
}
