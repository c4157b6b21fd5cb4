package io.github.dl4jssl.listeners.monitor;

import io.github.dl4jssl.layers.TestGraphs;
import io.github.dl4jssl.listeners.eval.KnnClassifier;
import io.github.dl4jssl.listeners.eval.KnnReference;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class MonitorListenersTest {

    static ComputationGraph graph(double lr, int embOut) {
        var conf = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Sgd(lr))
                .graphBuilder()
                .addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("emb", new DenseLayer.Builder().nIn(8).nOut(embOut).activation(Activation.IDENTITY).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(embOut).nOut(2)
                        .activation(Activation.IDENTITY).build(), "emb")
                .setOutputs("out")
                .build();
        return TestGraphs.initialized(conf);
    }

    static ListDataSetIterator<DataSet> iterator() {
        Nd4j.getRandom().setSeed(3);
        DataSet all = new DataSet(Nd4j.randn(DataType.FLOAT, 32, 4), Nd4j.randn(DataType.FLOAT, 32, 2));
        return new ListDataSetIterator<>(all.asList(), 16);
    }

    @Test
    void collapseMonitorPerEpoch(@TempDir Path dir) throws Exception {
        ComputationGraph g = graph(0.05, 3);
        INDArray probe = Nd4j.randn(DataType.FLOAT, 40, 4);
        Path csv = dir.resolve("sub/collapse.csv");
        CollapseMonitor mon = CollapseMonitor.builder().probe(probe).vertices("d1", "emb").everyEpochs(1)
                .batchSize(16).topSingularValues(4).outputCsv(csv).build();
        CollapseMonitor normalized = CollapseMonitor.builder().probe(probe).vertices("emb").everyEpochs(1)
                .normalize(true).outputCsv(dir.resolve("normalized.csv")).build();
        g.setListeners(mon, normalized);
        g.fit(iterator(), 2);

        List<CollapseMonitor.Record> h = mon.getHistory();
        assertEquals(4, h.size());
        assertEquals(0, h.get(0).epoch());
        assertEquals(1, h.get(3).epoch());
        assertEquals(4, h.get(3).iteration()); // 2 batches x 2 epochs
        CollapseMetrics.Result direct = CollapseMetrics.compute(g.feedForward(probe, false).get("emb"));
        CollapseMetrics.Result last = mon.getHistory("emb").get(1).metrics();
        assertEquals(direct.collapseAuc(), last.collapseAuc(), 1e-6);
        assertEquals(direct.varianceAuc(), last.varianceAuc(), 1e-6);
        CollapseMetrics.Result directNormalized = CollapseMetrics.compute(g.feedForward(probe, false).get("emb"), true, true,
                CollapseMetrics.Solver.EIGEN);
        CollapseMetrics.Result lastNormalized = normalized.getHistory("emb").get(1).metrics();
        assertTrue(lastNormalized.normalized());
        assertEquals(directNormalized.collapseAuc(), lastNormalized.collapseAuc(), 1e-6);
        assertTrue(Math.abs(lastNormalized.collapseAuc() - last.collapseAuc()) > 1e-6, "normalising changes the spectrum");
        assertTrue(Files.readAllLines(dir.resolve("normalized.csv")).get(1).startsWith("2,0,emb,40,3,true,"));
        assertEquals(direct.rankMe(), last.rankMe(), 1e-5);
        assertArrayEquals(direct.singularValues(), last.singularValues(), 1e-4);
        assertEquals(40, last.samples());
        assertEquals(8, mon.getHistory("d1").get(0).metrics().dimension());

        List<String> lines = Files.readAllLines(csv);
        assertEquals("iteration,epoch,vertex,n,d,normalized,collapseAuc,varianceAuc,rankme,s1,s2,s3,s4", lines.get(0));
        assertEquals(5, lines.size());
        assertTrue(lines.get(2).startsWith("2,0,emb,40,3,false," + last0(mon).collapseAuc() + ","), lines.get(2));
        assertTrue(lines.get(2).endsWith(","), "d = 3 < 4 leaves s4 empty: " + lines.get(2));
    }

    private static CollapseMetrics.Result last0(CollapseMonitor mon) {
        return mon.getHistory("emb").get(0).metrics();
    }

    @Test
    void collapseMonitorFlagsRankOneVertexPerIteration() {
        ComputationGraph g = graph(0.0, 3);
        // emb = d1 * u v^T: rank one
        INDArray u = Nd4j.randn(DataType.FLOAT, 8, 1);
        INDArray v = Nd4j.randn(DataType.FLOAT, 1, 3);
        g.getParam("emb_W").assign(u.mmul(v));
        g.getParam("emb_b").assign(0);
        CollapseMonitor mon = CollapseMonitor.builder().probe(Nd4j.randn(DataType.FLOAT, 30, 4))
                .vertices("d1", "emb").everyIterations(2).build();
        g.setListeners(mon);
        g.fit(iterator(), 2); // iterations 0..3 -> measured at 0 and 2
        assertEquals(2, mon.getHistory("emb").size());
        assertEquals(2, mon.getHistory("emb").get(1).iteration());
        assertTrue(mon.isCollapsed("emb"));
        assertEquals(1.0, mon.getHistory("emb").get(0).metrics().collapseAuc(), 1e-5);
        assertEquals(1.0, mon.getHistory("emb").get(0).metrics().varianceAuc(), 1e-5);
        assertEquals(1.0, mon.getHistory("emb").get(0).metrics().rankMe(), 1e-3);
        assertFalse(mon.isCollapsed("d1"), "tanh layer of a 4-d input is not rank one");
    }

    @Test
    void knnMonitorMatchesBruteForceOnIdentityFeatures(@TempDir Path dir) throws Exception {
        ComputationGraph g = graph(0.0, 4);
        Random r = new Random(9);
        // features: d1 = tanh(0.3 x) padded to 8-d (lr 0 keeps them fixed during fit); the monitor is
        // compared with brute force on feedForward output
        double[][] centres = {{3, 0, 0, 0}, {0, 3, 0, 0}, {0, 0, 3, 0}};
        double[][] bank = new double[60][4], query = new double[30][4];
        int[] bl = new int[60], ql = new int[30];
        for (int i = 0; i < 90; i++) {
            int c = i % 3;
            double[] row = i < 60 ? bank[i] : query[i - 60];
            for (int j = 0; j < 4; j++) {
                row[j] = centres[c][j] + 0.8 * r.nextGaussian();
            }
            if (i < 60) {
                bl[i] = c;
            } else {
                ql[i - 60] = c;
            }
        }
        g.getParam("d1_W").assign(Nd4j.createFromArray(new float[][] {
                {1, 0, 0, 0, 0, 0, 0, 0}, {0, 1, 0, 0, 0, 0, 0, 0}, {0, 0, 1, 0, 0, 0, 0, 0}, {0, 0, 0, 1, 0, 0, 0, 0}}).muli(0.3));
        g.getParam("d1_b").assign(0);
        INDArray bankIn = Nd4j.createFromArray(bank).castTo(DataType.FLOAT);
        INDArray queryIn = Nd4j.createFromArray(query).castTo(DataType.FLOAT);
        Path csv = dir.resolve("knn.csv");
        KnnMonitor mon = KnnMonitor.builder().vertex("d1").bank(bankIn, bl).query(queryIn, ql)
                .k(10).temperature(0.1).batchSize(25).everyEpochs(1).outputCsv(csv).build();
        g.setListeners(mon);
        g.fit(iterator(), 1);

        double[][] fb = g.feedForward(bankIn, false).get("d1").castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] fq = g.feedForward(queryIn, false).get("d1").castTo(DataType.DOUBLE).toDoubleMatrix();
        int[] pred = KnnReference.predict(fb, bl, fq, 3, 10, 0.1);
        double expected = 0;
        for (int i = 0; i < 30; i++) {
            expected += pred[i] == ql[i] ? 1.0 / 30 : 0;
        }
        assertEquals(1, mon.getHistory().size());
        assertEquals(expected, mon.getHistory().get(0).top1(), 1e-12);
        assertTrue(expected > 0.8, "clusters are separable: " + expected);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("iteration,epoch,vertex,k,temperature,bank,queries,top1", lines.get(0));
        assertTrue(lines.get(1).startsWith("2,0,d1,10,0.1,60,30,"), lines.get(1));
    }
}
