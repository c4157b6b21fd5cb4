package io.github.dl4jssl.zoo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ClassBalancedSubsetTest {

    /** 60 images of 3 classes (class = i % 3, 20 each); pixel value i identifies image i. */
    private static LabelledImages images() {
        float[] pixels = new float[60 * 4];
        for (int i = 0; i < 60; i++) {
            Arrays.fill(pixels, 4 * i, 4 * i + 4, i / 100f);
        }
        int[] labels = IntStream.range(0, 60).map(i -> i % 3).toArray();
        return new LabelledImages(Nd4j.create(pixels, new long[] {60, 1, 2, 2}, 'c'), labels, 3);
    }

    @Test
    void balancedSeededNestedAndThePixelsFollowTheirLabels() {
        LabelledImages all = images();
        int[] five = ClassBalancedSubset.indices(all, 5, 7);
        assertEquals(15, five.length);
        for (int c = 0; c < 3; c++) {
            int cls = c;
            assertEquals(5, Arrays.stream(five).filter(i -> i % 3 == cls).count(), "5 of class " + c);
        }
        assertArrayEquals(five, ClassBalancedSubset.indices(all, 5, 7), "fixed by the seed");
        assertFalse(Arrays.equals(five, ClassBalancedSubset.indices(all, 5, 8)), "another seed, other images");
        int[] ten = ClassBalancedSubset.indices(all, 10, 7);
        assertTrue(Arrays.stream(five).allMatch(i -> Arrays.binarySearch(ten, i) >= 0), "5 per class within 10 per class");
        assertEquals(20 * 3, Arrays.stream(ClassBalancedSubset.indices(all, 20, 7)).distinct().count(), "all of them");

        LabelledImages subset = ClassBalancedSubset.of(all, 5, 7);
        assertEquals(15, subset.size());
        assertEquals(3, subset.numClasses());
        for (int j = 0; j < 15; j++) {
            assertEquals(five[j] / 100f, subset.image(j)[3], 1e-7f, "image " + j + " is training image " + five[j]);
            assertEquals(five[j] % 3, subset.label(j));
        }
    }

    @Test
    void tooFewImagesOfAClassIsNamedWithTheLargestPossibleCount() {
        int[] labels = new int[10];
        labels[9] = 1; // class 1 has one image
        LabelledImages skewed = new LabelledImages(Nd4j.zeros(DataType.FLOAT, 10, 1, 2, 2), labels, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClassBalancedSubset.indices(skewed, 2, 0));
        assertTrue(e.getMessage().contains("class 1 has only 1") && e.getMessage().contains("at most 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassBalancedSubset.indices(skewed, 0, 0));
        assertThrows(IllegalArgumentException.class,
                () -> ClassBalancedSubset.indices(LabelledImages.unlabelled(Nd4j.zeros(DataType.FLOAT, 2, 1, 2, 2)), 1, 0));
    }
}
