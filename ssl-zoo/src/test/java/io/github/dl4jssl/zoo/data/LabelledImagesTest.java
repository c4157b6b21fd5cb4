package io.github.dl4jssl.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LabelledImagesTest {
    static LabelledImages sample(int n, int c, int h, int w, boolean labelled) {
        float[] v = new float[n * c * h * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 97) / 96f;
        }
        int[] labels = null;
        if (labelled) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % 3;
            }
        }
        return new LabelledImages(Nd4j.create(v, new long[] {n, c, h, w}, 'c'), labels, 3);
    }

    @Test
    void dimensionsSubsetAndOneHot() {
        LabelledImages d = sample(5, 3, 4, 2, true);
        assertEquals(5, d.size());
        assertEquals(3, d.channels());
        assertEquals(4, d.height());
        assertEquals(2, d.width());
        LabelledImages s = d.subset(2);
        assertEquals(2, s.size());
        assertArrayEquals(new int[] {0, 1}, s.labels());
        assertArrayEquals(d.image(1), s.image(1));
        INDArray oh = d.labelsOneHot();
        assertArrayEquals(new long[] {5, 3}, oh.shape());
        assertEquals(1f, oh.getFloat(4, 1), 0f);
        assertEquals(0f, oh.getFloat(4, 0), 0f);
        assertEquals(5f, oh.sumNumber().floatValue(), 0f);
    }

    @Test
    void unlabelledAndValidation() {
        LabelledImages u = sample(2, 1, 2, 2, false);
        assertNull(u.labels());
        assertThrows(IllegalStateException.class, u::labelsOneHot);
        assertThrows(IllegalArgumentException.class, () -> u.subset(3));
        assertThrows(IllegalArgumentException.class,
                () -> new LabelledImages(Nd4j.zeros(2, 1, 2, 2), new int[] {0}, 2));
        assertThrows(IllegalArgumentException.class,
                () -> new LabelledImages(Nd4j.zeros(2, 1, 2, 2), new int[] {0, 2}, 2));
        assertThrows(IllegalArgumentException.class, () -> LabelledImages.unlabelled(Nd4j.zeros(2, 4)));
    }
}
