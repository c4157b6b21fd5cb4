package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** KnnClassifier against a plain-Java brute force, across several chunks. */
class KnnClassifierBruteForceTest {

    @Test
    void matchesBruteForce() {
        Random r = new Random(5);
        double[][] bank = KnnReference.gaussian(r, 300, 6);
        double[][] query = KnnReference.gaussian(r, 270, 6); // > one 256-row chunk
        int[] labels = r.ints(300, 0, 4).toArray();
        for (int k : new int[] {1, 7, 200, 1000}) {
            for (double t : new double[] {0.1, 1.0}) {
                int[] expected = KnnReference.predict(bank, labels, query, 4, k, t);
                int[] got = new KnnClassifier(Nd4j.createFromArray(bank).castTo(DataType.FLOAT), labels, 4, k, t,
                        KnnClassifier.DEFAULT_CHUNK_SIZE).predict(Nd4j.createFromArray(query));
                assertArrayEquals(expected, got, "k=" + k + " t=" + t);
            }
        }
        int[] ql = r.ints(270, 0, 4).toArray();
        int[] expected = KnnReference.predict(bank, labels, query, 4, 200, 0.1);
        long correct = IntStream.range(0, ql.length).filter(i -> expected[i] == ql[i]).count();
        assertEquals(correct / 270.0, new KnnClassifier(Nd4j.createFromArray(bank), labels, 4, 200, 0.1,
                KnnClassifier.DEFAULT_CHUNK_SIZE).evaluate(Nd4j.createFromArray(query), ql).top1(), 1e-12);
    }

    @Test
    void separableClustersAndLabelFormats() {
        double[][] bank = {{1, 0}, {0.9, 0.1}, {0, 1}, {0.1, 0.9}};
        int[] labels = {0, 0, 1, 1};
        double[][] query = {{2, 0.1}, {0.2, 3}};
        assertEquals(1.0, new KnnClassifier(Nd4j.createFromArray(bank), labels, 2, 200, 0.1,
                KnnClassifier.DEFAULT_CHUNK_SIZE).evaluate(Nd4j.createFromArray(query), new int[] {0, 1}).top1());
        assertArrayEquals(new int[] {2, 0, 1}, Labels.toIndices(
                Nd4j.createFromArray(new double[][] {{0, 0, 1}, {1, 0, 0}, {0, 1, 0}})));
        assertArrayEquals(new int[] {2, 0, 1}, Labels.toIndices(Nd4j.createFromArray(2, 0, 1)));
    }
}
