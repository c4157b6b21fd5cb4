package io.github.dl4jssl.listeners.monitor;

import io.github.dl4jssl.layers.TestGraphs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class GradientMagnitudeMonitorTest {

    static final double LR = 0.1;
    static final int BATCH = 6;

    static ComputationGraph tinyGraph() {
        var conf = new NeuralNetConfiguration.Builder()
                .seed(42).dataType(DataType.DOUBLE).updater(new Sgd(LR))
                .graphBuilder()
                .addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("d2", new DenseLayer.Builder().nIn(5).nOut(3).activation(Activation.IDENTITY).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(3).nOut(2)
                        .activation(Activation.IDENTITY).build(), "d2")
                .setOutputs("out")
                .build();
        return TestGraphs.initialized(conf);
    }

    static MultiDataSet data() {
        Nd4j.getRandom().setSeed(7);
        return new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.randn(DataType.DOUBLE, BATCH, 4),
                Nd4j.randn(DataType.DOUBLE, BATCH, 2));
    }

    /** Norms straight from computeGradientAndScore + gradient(), by param key. */
    static Map<String, Double> directNorms(ComputationGraph g, MultiDataSet ds) {
        g.setInputs(ds.getFeatures());
        g.setLabels(ds.getLabels());
        g.computeGradientAndScore();
        Map<String, INDArray> gv = g.gradient().gradientForVariable();
        Map<String, Double> out = new LinkedHashMap<>();
        for (String layer : new String[] {"d1", "d2", "out"}) {
            double w = gv.get(layer + "_W").norm2Number().doubleValue();
            double b = gv.get(layer + "_b").norm2Number().doubleValue();
            // DL4J's raw gradient is of the summed loss; the monitor reports the mean-loss gradient
            out.put(layer, Math.sqrt(w * w + b * b) / ds.getFeatures(0).size(0));
        }
        return out;
    }

    /** Records raw layer norms seen in each callback. */
    static final class Capture extends BaseTrainingListener {
        final List<Map<String, Double>> backward = new ArrayList<>();
        final List<Map<String, Double>> gradCalc = new ArrayList<>();
        final List<Map<String, Double>> iterDone = new ArrayList<>();

        private static Map<String, Double> norms(Model m) {
            return GradientMagnitudeMonitor.layerNorms(m, m.gradient(),
                    GradientMagnitudeMonitor.DEFAULT_EXCLUDED_PARAM_KEYS, 1.0 / m.batchSize());
        }

        @Override
        public void onBackwardPass(Model model) {
            backward.add(norms(model));
        }

        @Override
        public void onGradientCalculation(Model model) {
            gradCalc.add(norms(model));
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            iterDone.add(norms(model));
        }
    }

    @Test
    void listenerSeesRawGradientAndMatchesDirectComputation(@TempDir Path dir) throws Exception {
        ComputationGraph g = tinyGraph();
        MultiDataSet ds = data();
        Map<String, Double> expected = directNorms(g, ds);

        Path csv = dir.resolve("grad.csv");
        GradientMagnitudeMonitor mon = GradientMagnitudeMonitor.builder()
                .everyIterations(1).block("hidden", "d").block("head", "out").outputCsv(csv).build();
        Capture cap = new Capture();
        g.setListeners(mon, cap);
        g.fit(ds);

        GradientMagnitudeMonitor.Measurement m = mon.getHistory().get(0);
        assertEquals(0, m.iteration());
        for (String layer : expected.keySet()) {
            assertEquals(expected.get(layer), m.layerNorms().get(layer), 1e-12, layer);
            assertEquals(expected.get(layer), cap.backward.get(0).get(layer), 1e-12, layer);
            assertEquals(expected.get(layer), cap.gradCalc.get(0).get(layer), 1e-12, layer);
            // iterationDone sees the update the SGD updater applied: lr * g (g already / minibatch)
            assertEquals(LR * expected.get(layer), cap.iterDone.get(0).get(layer) * BATCH, 1e-12, layer);
        }
        double hidden = Math.hypot(expected.get("d1"), expected.get("d2"));
        assertEquals(hidden, m.blockNorms().get("hidden"), 1e-12);
        assertEquals(expected.get("out"), m.blockNorms().get("head"), 1e-12);
        assertEquals("hidden", mon.blockOf("d2"));

        g.fit(ds);
        g.fit(ds);
        assertEquals(3, mon.getHistory().size());
        assertEquals(2, mon.getHistory().get(2).iteration());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("iteration,epoch,kind,name,norm,window_mean,fluctuation,spike,robust_z", lines.get(0));
        assertEquals(1 + 3 * (2 + 3), lines.size());
    }

    @Test
    void layerNormEqualsFiniteDifference() {
        ComputationGraph g = tinyGraph();
        MultiDataSet ds = data();
        Map<String, Double> analytic = directNorms(g, ds);
        double h = 1e-6;
        double sq = 0;
        for (String key : new String[] {"W", "b"}) {
            INDArray p = g.getParam("d2_" + key);
            for (int i = 0; i < p.length(); i++) {
                double orig = p.getDouble(i);
                p.putScalar(i, orig + h);
                double up = g.score(ds, false);
                p.putScalar(i, orig - h);
                double down = g.score(ds, false);
                p.putScalar(i, orig);
                double d = (up - down) / (2 * h);
                sq += d * d;
            }
        }
        double fd = Math.sqrt(sq);
        assertEquals(fd, analytic.get("d2"), 1e-6 * fd);
    }

    @Test
    void blockOutputGradientNormsMatchHandChainRule() {
        ComputationGraph g = tinyGraph();
        MultiDataSet ds = data();
        INDArray paramsBefore = g.params().dup();
        Map<String, Double> norms = GradientMagnitudeMonitor.blockOutputGradientNorms(g, ds, "d1", "d2", "out");

        INDArray x = ds.getFeatures(0), y = ds.getLabels(0);
        INDArray a1 = Nd4j.math().tanh(x.mmul(g.getParam("d1_W")).addRowVector(g.getParam("d1_b")));
        INDArray a2 = a1.mmul(g.getParam("d2_W")).addRowVector(g.getParam("d2_b"));
        INDArray o = a2.mmul(g.getParam("out_W")).addRowVector(g.getParam("out_b"));
        // score = (1/B) sum_i (1/nOut) sum_j (o - y)^2
        INDArray dO = o.sub(y).muli(2.0 / (BATCH * 2));
        INDArray dA2 = dO.mmul(g.getParam("out_W").transpose());
        INDArray dA1 = dA2.mmul(g.getParam("d2_W").transpose());
        assertEquals(dA2.norm2Number().doubleValue(), norms.get("d2"), 1e-12);
        assertEquals(dA1.norm2Number().doubleValue(), norms.get("d1"), 1e-12);
        assertTrue(Double.isNaN(norms.get("out")), "no error flows into the output vertex's own output");

        assertEquals(paramsBefore, g.params(), "parameters unchanged");
        assertEquals(WorkspaceMode.ENABLED, g.getConfiguration().getTrainingWorkspaceMode(), "graph untouched");
    }

    @Test
    void outputGradientsInsideListenerWithoutWorkspaces() {
        MultiDataSet ds = data();
        ComputationGraph g = tinyGraph();
        Map<String, Double> expected = GradientMagnitudeMonitor.blockOutputGradientNorms(g, ds, "d1", "d2");
        g.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
        g.getConfiguration().setInferenceWorkspaceMode(WorkspaceMode.NONE);
        GradientMagnitudeMonitor mon = GradientMagnitudeMonitor.builder().blockPrefixes("d", "out")
                .outputGradientVertices("d1", "d2").build();
        g.setListeners(mon);
        g.fit(ds);
        Map<String, Double> got = mon.getHistory().get(0).outputGradientNorms();
        assertEquals(expected.get("d1"), got.get("d1"), 1e-12);
        assertEquals(expected.get("d2"), got.get("d2"), 1e-12);

        // with workspaces on (the default), they are skipped with one warning
        ComputationGraph g2 = tinyGraph();
        GradientMagnitudeMonitor mon2 = GradientMagnitudeMonitor.builder().blockPrefixes("d")
                .outputGradientVertices("d1").build();
        g2.setListeners(mon2);
        g2.fit(ds);
        assertTrue(mon2.getHistory().get(0).outputGradientNorms().isEmpty());
    }

    @Test
    void plantedSpikeThroughMonitorIsFlaggedOnceWithItsRobustZInTheCsv(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("grad.csv");
        SpikeDetector.Config config = new SpikeDetector.Config(10, 5, 6, 3, 0.05);
        GradientMagnitudeMonitor mon = GradientMagnitudeMonitor.builder().block("first", "conv1").block("rest", "stage")
                .window(10).spikeDetection(config).logLayers(false).outputCsv(csv).build();
        Random r = new Random(3);
        List<Double> first = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            double n = 1.0 + 0.1 * r.nextGaussian();
            first.add(n);
            GradientMagnitudeMonitor.Measurement m = mon.record(i, 0,
                    Map.of("conv1", n, "stage1_a", 2 * n, "stage1_b", 2 * n));
            assertTrue(m.spikes().isEmpty(), "iteration " + i);
            assertEquals(Math.sqrt(8) * n, m.blockNorms().get("rest"), 1e-12);
        }
        GradientMagnitudeMonitor.Measurement spike = mon.record(20, 0,
                Map.of("conv1", 10.0, "stage1_a", 2.0, "stage1_b", 2.0));
        assertEquals(java.util.Set.of("first"), spike.spikes());
        assertTrue(spike.blockFluctuation().get("first") > mon.getHistory().get(19).blockFluctuation().get("first"));
        // the burst goes on: counted once
        assertTrue(mon.record(21, 0, Map.of("conv1", 12.0, "stage1_a", 2.0, "stage1_b", 2.0)).spikes().isEmpty());
        assertEquals(22, mon.getHistory().size());
        assertEquals(Map.of("first", List.of(20), "rest", List.of()), mon.spikeIterations());

        // the CSV row of the spike: the flag and the robust z of ln 10 against the 10 norms before it, by hand
        double[] logs = first.subList(10, 20).stream().mapToDouble(Math::log).sorted().toArray();
        double median = (logs[4] + logs[5]) / 2;
        double[] dev = java.util.Arrays.stream(logs).map(l -> Math.abs(l - median)).sorted().toArray();
        double z = (Math.log(10) - median) / (1.482602218505602 * (dev[4] + dev[5]) / 2);
        String row = Files.readAllLines(csv).stream().filter(l -> l.startsWith("20,0,block,first,")).findFirst().orElseThrow();
        String[] c = row.split(",");
        assertEquals("true", c[7]);
        assertEquals(z, Double.parseDouble(c[8]), 1e-9 * z);
        assertEquals(10.0, Double.parseDouble(c[4]), 0.0);
        assertEquals("false", Files.readAllLines(csv).stream().filter(l -> l.startsWith("21,0,block,first,"))
                .findFirst().orElseThrow().split(",")[7]);
        // before the minimum history the z column is empty
        assertEquals(9, Files.readAllLines(csv).get(1).split(",", -1).length);
        assertEquals("", Files.readAllLines(csv).get(1).split(",", -1)[8]);
    }

    @Test
    void oneSummaryPerEpochCountsTheSpikesOfEachBlock() {
        GradientMagnitudeMonitor mon = GradientMagnitudeMonitor.builder().blockPrefixes("a", "b")
                .spikeDetection(new SpikeDetector.Config(10, 5, 6, 3, 0.05)).build();
        assertEquals(null, mon.epochSummary(), "nothing measured yet");
        for (int i = 0; i < 10; i++) {
            mon.record(i, 0, Map.of("a", 1.0, "b", 1.0));
        }
        mon.record(10, 0, Map.of("a", 5.0, "b", 1.0));
        mon.record(11, 0, Map.of("a", 1.0, "b", 1.0));
        assertEquals("Gradient spikes in epoch 1 (iterations 0-11): a 1 (at 10), b 0", mon.epochSummary());
        assertEquals(null, mon.epochSummary(), "counting starts afresh");
        mon.record(12, 1, Map.of("a", 5.0, "b", 4.0));
        mon.record(13, 1, Map.of("a", 1.0, "b", 1.0));
        mon.record(14, 1, Map.of("a", 5.0, "b", 1.0));
        assertEquals("Gradient spikes in epoch 2 (iterations 12-14): a 2 (at iterations 12, 14), b 1 (at 12)",
                mon.epochSummary());
        assertEquals(Map.of("a", List.of(10, 12, 14), "b", List.of(12)), mon.spikeIterations());
    }

    @Test
    void trainingLogsTheSummaryAtEpochEnd() {
        ComputationGraph g = tinyGraph();
        GradientMagnitudeMonitor mon = GradientMagnitudeMonitor.builder().blockPrefixes("d", "out").build();
        g.setListeners(mon);
        MultiDataSet ds = data();
        g.fit(new org.nd4j.linalg.dataset.adapter.SingletonMultiDataSetIterator(ds));
        assertEquals(1, mon.getHistory().size());
        assertEquals(null, mon.epochSummary(), "onEpochEnd has consumed the epoch's summary");
    }

    /**
     * A BatchNormalization with locked gamma/beta (a SimSiam / MoCo v3 projector output) leaves gamma/beta
     * gradient entries in a workspace DL4J has closed by onGradientCalculation; the monitor must skip them.
     */
    @Test
    void lockedGammaBetaBatchNormDoesNotBreakTheMonitor() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
                .graphBuilder().addInputs("in")
                .setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(4))
                .addLayer("d1", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("bn", new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder().lockGammaBeta(true).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "bn")
                .setOutputs("out").build());
        g.init();
        GradientMagnitudeMonitor monitor = GradientMagnitudeMonitor.builder().everyIterations(1)
                .blockPrefixes("d1", "bn", "out").build();
        g.setListeners(monitor);
        org.nd4j.linalg.dataset.DataSet ds = new org.nd4j.linalg.dataset.DataSet(Nd4j.rand(DataType.FLOAT, 8, 4),
                Nd4j.rand(DataType.FLOAT, 8, 2));
        g.fit(ds);
        g.fit(ds);
        assertEquals(2, monitor.getHistory().size());
        Map<String, Double> layers = monitor.getHistory().get(1).layerNorms();
        assertTrue(layers.get("d1") > 0 && layers.get("out") > 0, layers.toString());
        assertFalse(layers.containsKey("bn"), "the locked BN has no gradient of its own: " + layers);
    }
}
