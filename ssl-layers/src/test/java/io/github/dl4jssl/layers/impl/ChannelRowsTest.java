package io.github.dl4jssl.layers.impl;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ChannelRowsTest {

    @AfterEach
    void oneDnnBackOn() {
        OneDnn.setEnabled(true);
    }

    /** Per-channel sums, by the row sums of oneDNN's sgemm (float) or libnd4j's Sum, equal sums by plain loops. */
    @Test
    void perChannelSumsEqualLoopsOnEveryPath() {
        Nd4j.getRandom().setSeed(3);
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (boolean oneDnn : new boolean[]{true, false}) {
                OneDnn.setEnabled(oneDnn);
                INDArray x = Nd4j.randn(type, 3, 4, 5, 6).addi(2.0);
                ChannelRows rows = new ChannelRows(x.shape());
                double[] sums = rows.sum(rows.rows(x));
                for (int ch = 0; ch < 4; ch++) {
                    double expected = 0;
                    for (int i = 0; i < 3; i++) {
                        for (int h = 0; h < 5; h++) {
                            for (int w = 0; w < 6; w++) {
                                expected += x.getDouble(i, ch, h, w);
                            }
                        }
                    }
                    assertEquals(expected, sums[ch], type == DataType.FLOAT ? 1e-4 : 1e-12,
                            type + " oneDNN " + oneDnn + " channel " + ch);
                }
            }
        }
    }
}
