package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.Set;

import static io.github.dl4jssl.layers.PairLossTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class InfoNceLossTest {

    private static final Set<String> QUEUE_PARAMS = Set.of("loss_queue", "loss_queuePtr");

    private static MultiDataSet mds(INDArray a, INDArray b) {
        return new MultiDataSet(new INDArray[]{a, b}, new INDArray[]{zeroLabels(a.size(0))});
    }

    private static InfoNceLoss loss(double t, int queue, boolean batchNeg, boolean symmetric, boolean scale) {
        return new InfoNceLoss.Builder().temperature(t).queueSize(queue).batchNegatives(batchNeg)
                .symmetric(symmetric).scaleByTwoTemperature(scale).build();
    }

    /** The InfoNCE score (mean DL4J reports) computed with plain Java loops. */
    static double reference(double[][] qRaw, double[][] kRaw, double[][] queue, double t, boolean batchNeg,
            boolean symmetric, boolean scale) {
        int rows = qRaw.length, n = rows / 2;
        double total = 0;
        for (int i = 0; i < (symmetric ? rows : n); i++) {
            double[] q = unit(qRaw[i]);
            int pos = (i + n) % rows;
            double positive = dot(q, unit(kRaw[pos])) / t;
            java.util.List<Double> logits = new java.util.ArrayList<>();
            logits.add(positive);
            if (batchNeg) {
                // the other view's keys of the other images
                int start = i < n ? n : 0;
                for (int j = start; j < start + n; j++) {
                    if (j != pos) logits.add(dot(q, unit(kRaw[j])) / t);
                }
            }
            if (queue != null) {
                for (double[] key : queue) logits.add(dot(q, key) / t);
            }
            double denom = 0;
            for (double l : logits) denom += Math.exp(l);
            total += Math.log(denom) - positive;
        }
        double mean = total / (symmetric ? rows : n);
        return scale ? mean * 2 * t : mean;
    }

    private static void assertScore(InfoNceLoss conf, int rows) {
        ComputationGraph g = onlineVsConstant(5, 4, conf, null);
        INDArray a = Nd4j.randn(DataType.DOUBLE, rows, 5);
        INDArray k = Nd4j.randn(DataType.DOUBLE, rows, 4);
        INDArray q = g.feedForward(new INDArray[]{a, k}, false).get("online");
        double[][] queue = conf.getQueueSize() > 0 ? g.getLayer("loss").getParam(InfoNceLoss.QUEUE).toDoubleMatrix() : null;
        double expected = reference(q.toDoubleMatrix(), k.toDoubleMatrix(), queue, conf.getTemperature(),
                conf.isBatchNegatives(), conf.isSymmetric(), conf.isScaleByTwoTemperature());
        assertEquals(expected, g.score(mds(a, k)), 1e-9, "queue " + conf.getQueueSize() + " batchNeg "
                + conf.isBatchNegatives() + " symmetric " + conf.isSymmetric() + " scale " + conf.isScaleByTwoTemperature());
    }

    @Test
    void scoreEqualsIndependentComputation() {
        assertScore(loss(0.2, 0, true, true, false), 6);     // MoCo v3
        assertScore(loss(0.2, 0, true, true, true), 6);      // MoCo v3 with 2t scaling
        assertScore(loss(0.07, 7, false, false, false), 6);  // MoCo v1
        assertScore(loss(0.2, 7, false, true, false), 8);    // MoCo v2 symmetrised
        assertScore(loss(0.5, 5, true, true, false), 6);     // queue and batch negatives
        assertScore(loss(0.5, 0, true, false, false), 4);    // batch negatives, one direction
    }

    @Test
    void plainNd4jRuntimeEqualsTheSameDiffGraph() {
        InfoNceLoss[] confs = {loss(0.2, 0, true, true, false), loss(0.2, 0, true, true, true),
                loss(0.07, 7, false, false, false), loss(0.2, 7, false, true, false), loss(0.5, 5, true, true, false),
                loss(0.5, 0, true, false, false), loss(0.1, 9, true, false, true)};
        for (InfoNceLoss conf : confs) {
            String what = "queue " + conf.getQueueSize() + " batchNeg " + conf.isBatchNegatives() + " symmetric "
                    + conf.isSymmetric() + " scale " + conf.isScaleByTwoTemperature();
            assertRuntimeEqualsSameDiff(conf, io.github.dl4jssl.layers.impl.InfoNceLossImpl.class, what);
        }
    }

    @Test
    void sameDiffFlagSurvivesJson() {
        for (boolean sameDiff : new boolean[]{false, true}) {
            InfoNceLoss conf = loss(0.2, 4, false, true, false);
            conf.setSameDiff(sameDiff);
            ComputationGraphConfiguration json = ComputationGraphConfiguration.fromJson(
                    onlineVsConstant(5, 4, conf, null).getConfiguration().toJson());
            InfoNceLoss back = (InfoNceLoss) ((LayerVertex) json.getVertices().get("loss")).getLayerConf().getLayer();
            assertEquals(sameDiff, back.isSameDiff());
        }
        assertTrue(new InfoNceLoss.Builder().sameDiff(true).build().isSameDiff());
    }

    @Test
    void queueIsInitialisedWithUnitRows() {
        ComputationGraph g = onlineVsConstant(5, 4, loss(0.2, 9, false, true, false), null);
        INDArray queue = g.getLayer("loss").getParam(InfoNceLoss.QUEUE);
        assertArrayEquals(new long[]{9, 4}, queue.shape());
        assertTrue(queue.norm2(1).equalsWithEps(Nd4j.ones(DataType.DOUBLE, 9), 1e-12));
        assertEquals(0.0, g.getLayer("loss").getParam(InfoNceLoss.QUEUE_PTR).getDouble(0));
        assertTrue(queue.std(0).sumNumber().doubleValue() > 0.1, "queue rows should be random");
    }

    @Test
    void gradientCheckDoublePrecision() {
        InfoNceLoss[] confs = {loss(0.2, 0, true, true, false), loss(0.2, 6, false, false, false),
                loss(0.5, 5, true, true, true)};
        for (InfoNceLoss conf : confs) {
            ComputationGraph g = onlineVsConstant(5, 4, conf, null);
            INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5);
            INDArray k = Nd4j.randn(DataType.DOUBLE, 6, 4);
            assertTrue(gradientCheck(g, new INDArray[]{a, k}, conf.getQueueSize() > 0 ? QUEUE_PARAMS : null),
                    "queue " + conf.getQueueSize() + " batchNegatives " + conf.isBatchNegatives());
            if (conf.getQueueSize() > 0) {
                g.setInputs(a, k);
                g.setLabels(zeroLabels(6));
                g.computeGradientAndScore();
                assertEquals(0.0, g.gradient().getGradientFor("loss_queue").norm2Number().doubleValue(), 0.0);
            }
        }
    }

    @Test
    void noGradientReachesTheKeyHalf() {
        ComputationGraph g = twoTrainableBranches(5, 3, loss(0.2, 4, true, true, false));
        INDArray eps = lossInputGradient(g, Nd4j.randn(DataType.DOUBLE, 6, 6));
        assertEquals(0.0, eps.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6)).norm2Number().doubleValue(), 0.0);
        assertTrue(eps.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).norm2Number().doubleValue() > 1e-6);
    }

    @Test
    void fifoKeepsTheLastKeysInOrderWithWrapAround() {
        INDArray queue = Nd4j.zeros(DataType.DOUBLE, 5, 2);
        INDArray ptr = Nd4j.zeros(DataType.DOUBLE, 1, 1);
        INDArray first = Nd4j.createFromArray(new double[][]{{3, 4}, {0, 2}, {1, 0}});
        INDArray second = Nd4j.createFromArray(new double[][]{{0, -5}, {6, 8}, {-1, 0}, {1, 1}});
        KeyQueue.enqueue(queue, ptr, first);
        assertEquals(3.0, ptr.getDouble(0));
        KeyQueue.enqueue(queue, ptr, second);
        assertEquals(2.0, ptr.getDouble(0));
        double r = Math.sqrt(0.5);
        // rows 3, 4 then 0, 1 hold the second batch; row 2 keeps the last key of the first batch
        INDArray expected = Nd4j.createFromArray(new double[][]{{-1, 0}, {r, r}, {1, 0}, {0, -1}, {0.6, 0.8}});
        assertTrue(expected.equalsWithEps(queue, 1e-12), queue.toString());
    }

    @Test
    void enqueueIntoAGraphAndBadKeys() {
        ComputationGraph g = onlineVsConstant(5, 2, loss(0.2, 4, false, false, false), null);
        INDArray merged = Nd4j.createFromArray(new double[][]{{9, 9, 1, 0}, {9, 9, 0, 1}, {9, 9, 0, 3}, {9, 9, -2, 0}});
        KeyQueue.enqueueFromLossInput(g, "loss", merged);   // not symmetric: rows N..2N-1 only
        INDArray queue = g.getLayer("loss").getParam(InfoNceLoss.QUEUE).dup();
        assertTrue(Nd4j.createFromArray(new double[][]{{0, 1}, {-1, 0}}).equalsWithEps(
                queue.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()), 1e-12));
        assertEquals(2.0, g.getLayer("loss").getParam(InfoNceLoss.QUEUE_PTR).getDouble(0));
        assertEquals(2.0, g.getParam("loss_queuePtr").getDouble(0), "the layer param is a view of the graph's");

        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> KeyQueue.enqueue(g, "loss", Nd4j.randn(DataType.DOUBLE, 6, 2)));
        assertTrue(tooMany.getMessage().contains("holds 4 keys, fewer than the 6 keys"), tooMany.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> KeyQueue.enqueue(g, "loss", Nd4j.randn(DataType.DOUBLE, 2, 3)));
        assertTrue(width.getMessage().contains("[B, 2]"), width.getMessage());
        ComputationGraph noQueue = onlineVsConstant(5, 2, loss(0.2, 0, true, true, false), null);
        assertThrows(IllegalArgumentException.class, () -> KeyQueue.enqueue(noQueue, "loss", Nd4j.randn(DataType.DOUBLE, 2, 2)));
    }

    @Test
    void fitNeverChangesTheQueue() {
        // Adam with global weight decay and L2: neither may touch the queue or its pointer
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.DOUBLE)
                .updater(new Adam(5e-2)).weightDecay(1e-1).l2(1e-2).graphBuilder().addInputs("a", "b")
                .setInputTypes(InputType.feedForward(5), InputType.feedForward(4))
                .addLayer("online", new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build(), "a")
                .addVertex("merge", new MergeVertex(), "online", "b")
                .addLayer("loss", loss(0.2, 8, true, true, false), "merge").setOutputs("loss").build());
        g.init();
        INDArray queueBefore = g.getParam("loss_queue").dup();
        INDArray onlineBefore = g.getParam("online_W").dup();
        INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray k = Nd4j.randn(DataType.DOUBLE, 6, 4);
        double before = g.score(mds(a, k));
        for (int i = 0; i < 5; i++) g.fit(mds(a, k));
        assertEquals(queueBefore, g.getParam("loss_queue"));
        assertEquals(0.0, g.getParam("loss_queuePtr").getDouble(0));
        assertNotEquals(onlineBefore, g.getParam("online_W"));
        assertTrue(g.score(mds(a, k)) < before);
    }

    @Test
    void queueSurvivesModelSerializer(@TempDir File dir) throws Exception {
        ComputationGraph g = onlineVsConstant(5, 4, loss(0.2, 8, false, true, false), new Adam(1e-2));
        INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray k = Nd4j.randn(DataType.DOUBLE, 6, 4);
        g.fit(mds(a, k));
        KeyQueue.enqueue(g, "loss", k);
        File f = new File(dir, "moco.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.getParam("loss_queue"), back.getParam("loss_queue"));
        assertEquals(6.0, back.getParam("loss_queuePtr").getDouble(0));
        assertEquals(g.params(), back.params());
        assertEquals(g.score(mds(a, k)), back.score(mds(a, k)), 1e-12);
        // wrap-around inside a graph (the queue is a view at an offset of the flat parameter vector)
        KeyQueue.enqueue(back, "loss", k.get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()));
        assertEquals(1.0, back.getParam("loss_queuePtr").getDouble(0));
        INDArray queue = back.getParam("loss_queue").dup();
        INDArray unitK = k.div(k.norm2(1).reshape(-1, 1));
        assertTrue(unitK.getRow(0).equalsWithEps(queue.getRow(6), 1e-12));
        assertTrue(unitK.getRow(1).equalsWithEps(queue.getRow(7), 1e-12));
        assertTrue(unitK.getRow(2).equalsWithEps(queue.getRow(0), 1e-12));
        assertTrue(unitK.getRow(3).equalsWithEps(queue.getRow(3), 1e-12), "older keys stay");
    }

    @Test
    void jsonRoundTrip() {
        ComputationGraph g = onlineVsConstant(5, 4, loss(0.07, 16, false, false, true), null);
        InfoNceLoss l = TestGraphs.jsonRoundTripped(g.getConfiguration(), "loss");
        assertEquals(0.07, l.getTemperature());
        assertEquals(16, l.getQueueSize());
        assertFalse(l.isBatchNegatives());
        assertFalse(l.isSymmetric());
        assertTrue(l.isScaleByTwoTemperature());
        assertEquals(8, l.getNIn());
    }

    @Test
    void badConfigurationsAndShapesFailWithClearMessages() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new InfoNceLoss.Builder().batchNegatives(false).build());
        assertTrue(none.getMessage().contains("needs negatives"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new InfoNceLoss.Builder().queueSize(-1));
        assertThrows(IllegalArgumentException.class, () -> new InfoNceLoss.Builder().temperature(0));
        ComputationGraph g = onlineVsConstant(5, 4, loss(0.2, 0, true, true, false), null);
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> g.score(mds(Nd4j.randn(DataType.DOUBLE, 5, 5), Nd4j.randn(DataType.DOUBLE, 5, 4))));
        assertTrue(odd.getMessage().contains("odd number of rows"), odd.getMessage());
    }
}
