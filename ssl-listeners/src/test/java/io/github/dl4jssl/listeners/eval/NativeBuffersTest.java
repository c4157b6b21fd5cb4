package io.github.dl4jssl.listeners.eval;

import io.github.dl4jssl.layers.NativeBuffers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
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

    /**
     * The probe, which releases each batch after its step, gives exactly what plain DL4J gives when the same
     * configuration is fitted on the same shuffled batches with nothing released: the optimizer's state carries over
     * from step to step (a {@code net.clear()} between steps once restarted Adam at every batch). Overlapping classes,
     * so that the accuracies depend on the whole training path.
     */
    @Test
    void linearProbeMatchesPlainDl4jOnTheSameBatchesAndLeavesTheCallersArraysOpen() {
        Random rnd = new Random(3);
        int n = 150;
        int classes = 3;
        int[] labels = new int[n];
        double[][] x = new double[n][6];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int j = 0; j < 6; j++) {
                x[i][j] = 5 + 2 * rnd.nextGaussian() + (j == labels[i] ? 1.5 : 0);
            }
        }
        INDArray train = Nd4j.create(x).castTo(DataType.FLOAT).get(NDArrayIndex.interval(0, 100), NDArrayIndex.all()).dup();
        INDArray test = Nd4j.create(x).castTo(DataType.FLOAT).get(NDArrayIndex.interval(100, n), NDArrayIndex.all()).dup();
        int[] trainLabels = java.util.Arrays.copyOfRange(labels, 0, 100);
        int[] testLabels = java.util.Arrays.copyOfRange(labels, 100, n);
        int epochs = 4;
        int batch = 16;
        long seed = 11;
        double lr = 1e-2;
        LinearProbe.Result probe = LinearProbe.builder().epochs(epochs).batchSize(batch).learningRate(lr).seed(seed).build()
                .evaluate(train, trainLabels, test, testLabels, classes);
        assertFalse(train.wasClosed());
        assertFalse(test.wasClosed());

        FeatureStandardiser standardiser = FeatureStandardiser.fit(train);
        INDArray trainS = standardiser.apply(train);
        INDArray testS = standardiser.apply(test);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.FLOAT)
                .updater(new Adam(lr)).weightInit(WeightInit.XAVIER).list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(6).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        INDArray oneHot = Nd4j.zeros(DataType.FLOAT, 100, classes);
        for (int i = 0; i < 100; i++) {
            oneHot.putScalar(i, trainLabels[i], 1.0);
        }
        Random order = new Random(seed);
        int[] idx = java.util.stream.IntStream.range(0, 100).toArray();
        for (int e = 0; e < epochs; e++) {
            for (int i = idx.length - 1; i > 0; i--) { // Fisher-Yates, as the probe shuffles
                int j = order.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
            for (int start = 0; start < idx.length; start += batch) {
                int[] rows = java.util.Arrays.copyOfRange(idx, start, Math.min(idx.length, start + batch));
                net.fit(new DataSet(Nd4j.pullRows(trainS, 1, rows), Nd4j.pullRows(oneHot, 1, rows)));
            }
        }
        INDArray scores = net.output(testS, false);
        assertEquals(LinearProbe.accuracy(scores, testLabels, 1), probe.top1());
        assertEquals(LinearProbe.accuracy(net.output(trainS, false), trainLabels, 1), probe.trainTop1());
        assertTrue(probe.top1() > 0.45, "above the chance of 1/3: " + probe);
    }
}
