package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link NativeBuffers#release} closes only arrays that own their buffer outside a workspace, and the evaluations
 * that release their temporaries (kNN, linear probe) leave the caller's arrays open and give the same results as
 * before (the results themselves are checked against independent references in their own tests).
 */
class NativeBuffersTest {

    @Test
    void releasesOwnedArraysAndLeavesViewsWorkspaceArraysAndNullsAlone() {
        INDArray owned = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray base = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray view = base.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all());
        NativeBuffers.release(owned, view, null);
        assertTrue(owned.wasClosed());
        assertFalse(view.wasClosed());
        assertFalse(base.wasClosed());
        assertEquals(base.getFloat(0, 0), view.getFloat(0, 0));
        assertThrows(IllegalStateException.class, owned::sumNumber, "a released array cannot be read by mistake");
        NativeBuffers.release(owned); // already closed: no error

        WorkspaceConfiguration conf = WorkspaceConfiguration.builder().initialSize(1 << 20).build();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(conf, "NativeBuffersTest")) {
            INDArray attached = Nd4j.rand(DataType.FLOAT, 4, 3);
            assertTrue(attached.isAttached());
            NativeBuffers.release(attached);
            assertFalse(attached.wasClosed(), "workspace memory belongs to the workspace");
            assertEquals(12, attached.length());
        }
    }

    @Test
    void knnLeavesTheCallersArraysOpenAndCloseReleasesOnlyItsCopy() {
        Random rnd = new Random(7);
        double[][] train = KnnReference.gaussian(rnd, 60, 8);
        double[][] test = KnnReference.gaussian(rnd, 20, 8);
        int[] labels = rnd.ints(60, 0, 3).toArray();
        INDArray bank = Nd4j.create(train).castTo(DataType.FLOAT);
        INDArray queries = Nd4j.create(test).castTo(DataType.FLOAT);
        int[] expected = KnnReference.predict(train, labels, test, 3, 5, 0.1);
        KnnClassifier knn = new KnnClassifier(bank, labels, 3, 5, 0.1, 7);
        assertArrayEquals(expected, knn.predict(queries));
        assertArrayEquals(expected, knn.predict(queries), "the chunk temporaries are released, not the bank copy");
        knn.close();
        assertThrows(IllegalStateException.class, () -> knn.predict(queries), "a closed classifier is unusable");
        assertFalse(bank.wasClosed());
        assertFalse(queries.wasClosed());
        assertArrayEquals(expected,
                KnnClassifier.evaluate(bank, labels, queries, new int[20], 5, 0.1).predictions());
        assertFalse(bank.wasClosed());
        assertFalse(queries.wasClosed());
    }

    @Test
    void linearProbeLeavesTheCallersArraysOpenAndRepeatsItsResult() {
        Random rnd = new Random(3);
        int n = 90;
        int[] labels = new int[n];
        double[][] x = new double[n][6];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int j = 0; j < 6; j++) {
                x[i][j] = rnd.nextGaussian() + (j == labels[i] ? 3 : 0);
            }
        }
        INDArray features = Nd4j.create(x).castTo(DataType.FLOAT);
        LinearProbe probe = LinearProbe.builder().epochs(20).batchSize(16).seed(11).build();
        LinearProbe.Result first = probe.evaluate(features, labels, features, labels, 3);
        assertFalse(features.wasClosed());
        LinearProbe.Result second = probe.evaluate(features, labels, features, labels, 3);
        assertEquals(first.top1(), second.top1());
        assertTrue(first.top1() > 0.9, "three well separated classes: " + first.top1());
    }
}
