package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
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
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class NtXentLossTest {


    /** input(nIn) -> [dense(tanh)] -> NT-Xent (the plain-ND4J runtime layer). */
    static ComputationGraph graph(int nIn, int embed, double temperature, boolean dense, Object updater) {
        return graph(nIn, embed, temperature, dense, updater, false);
    }

    /** input(nIn) -> [dense(tanh)] -> NT-Xent, run as its SameDiff graph if {@code sameDiff}. */
    static ComputationGraph graph(int nIn, int embed, double temperature, boolean dense, Object updater, boolean sameDiff) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(42).dataType(DataType.DOUBLE)
                .updater(updater instanceof Adam ? (Adam) updater : new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(nIn));
        String last = "in";
        if (dense) {
            b.addLayer("dense", new DenseLayer.Builder().nOut(embed).activation(Activation.TANH).build(), "in");
            last = "dense";
        }
        b.addLayer("loss", new NtXentLoss.Builder().temperature(temperature).sameDiff(sameDiff).build(), last).setOutputs("loss");
        return TestGraphs.initialized(b.build());
    }

    /** The loss ignores labels; DL4J's score() wants some, so a zero column stands in. */
    static DataSet ds(INDArray x) {
        return new DataSet(x, Nd4j.zeros(DataType.DOUBLE, x.size(0), 1));
    }

    /** NT-Xent mean over the 2N rows, computed with plain Java loops in double precision. */
    static double referenceLoss(double[][] x, double t) {
        int rows = x.length, n = rows / 2;
        double[][] z = new double[rows][];
        for (int i = 0; i < rows; i++) {
            double norm = 0;
            for (double v : x[i]) norm += v * v;
            norm = Math.sqrt(norm);
            z[i] = new double[x[i].length];
            for (int k = 0; k < x[i].length; k++) z[i][k] = x[i][k] / norm;
        }
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int p = (i + n) % rows;
            double denom = 0, pos = 0;
            for (int j = 0; j < rows; j++) {
                double s = 0;
                for (int k = 0; k < z[i].length; k++) s += z[i][k] * z[j][k];
                if (j != i) denom += Math.exp(s / t);
                if (j == p) pos = s / t;
            }
            total += Math.log(denom) - pos;
        }
        return total / rows;
    }

    @Test
    void scoreEqualsIndependentComputation() {
        for (double t : new double[]{0.07, 0.5, 1.0}) {
            ComputationGraph g = graph(5, 5, t, false, null);
            INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 5);
            double score = g.score(ds(x));
            assertEquals(referenceLoss(x.toDoubleMatrix(), t), score, 1e-9, "temperature " + t);
        }
    }

    @Test
    void perfectlyAlignedViewsGiveTheAnalyticMinimum() {
        // two identical orthogonal-ish views: z_i = z_{i+N} = e_i; then l = -log(e^{1/t} / (e^{1/t} + (2N-2)))
        int n = 3;
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 2 * n, n);
        for (int i = 0; i < n; i++) {
            x.putScalar(i, i, 2.0);
            x.putScalar(i + n, i, 5.0);
        }
        double t = 0.5;
        double expected = -Math.log(Math.exp(1 / t) / (Math.exp(1 / t) + (2 * n - 2)));
        assertEquals(expected, graph(n, n, t, false, null).score(ds(x)), 1e-9);
    }

    @Test
    void gradientCheckDoublePrecision() {
        ComputationGraph g = graph(6, 4, 0.5, true, null);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 6);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{Nd4j.zeros(DataType.DOUBLE, x.size(0), 1)})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9));
        assertTrue(ok, "NT-Xent gradient check failed");
    }

    @Test
    void gradientCheckLowTemperature() {
        ComputationGraph g = graph(4, 3, 0.1, true, null);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 8, 4);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{Nd4j.zeros(DataType.DOUBLE, x.size(0), 1)})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)));
    }

    @Test
    void plainNd4jRuntimeEqualsTheSameDiffGraph() {
        for (double t : new double[]{0.1, 0.5}) {
            ComputationGraph fast = graph(6, 4, t, true, null, false);
            ComputationGraph graph = graph(6, 4, t, true, null, true);
            assertInstanceOf(io.github.dl4jssl.layers.impl.NtXentLossImpl.class, fast.getLayer("loss"));
            assertFalse(graph.getLayer("loss") instanceof io.github.dl4jssl.layers.impl.NtXentLossImpl);
            assertEquals(graph.params(), fast.params());
            INDArray x = Nd4j.randn(DataType.DOUBLE, 10, 6);
            // a row of large norm and one of tiny norm (still above the eps of the normalisation)
            x.getRow(0).muli(1e3);
            x.getRow(7).muli(1e-6);
            for (ComputationGraph g : new ComputationGraph[]{fast, graph}) {
                g.setInputs(x);
                g.setLabels(Nd4j.zeros(DataType.DOUBLE, 10, 1));
                g.computeGradientAndScore();
            }
            assertEquals(graph.score(), fast.score(), 1e-10, "temperature " + t);
            graph.gradient().gradientForVariable().forEach((k, v) -> assertTrue(
                    v.equalsWithEps(fast.gradient().gradientForVariable().get(k), 1e-9), "gradient " + k + ", temperature " + t));
            // the input gradient of the loss layer itself
            INDArray[] eps = new INDArray[2];
            ComputationGraph[] both = {fast, graph};
            for (int i = 0; i < 2; i++) {
                org.deeplearning4j.nn.api.Layer loss = both[i].getLayer("loss");
                loss.setInput(x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 4)).dup(),
                        org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
                ((org.deeplearning4j.nn.api.layers.IOutputLayer) loss).setLabels(Nd4j.zeros(DataType.DOUBLE, 10, 1));
                eps[i] = loss.backpropGradient(null, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()).getSecond();
            }
            assertTrue(eps[0].equalsWithEps(eps[1], 1e-9), "input gradient, temperature " + t + ": " + eps[0] + " vs " + eps[1]);
        }
    }

    @Test
    void sameDiffFlagSurvivesJson() {
        for (boolean sameDiff : new boolean[]{false, true}) {
            ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(
                    graph(5, 4, 0.2, true, null, sameDiff).getConfiguration().toJson());
            NtXentLoss loss = (NtXentLoss) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("loss"))
                    .getLayerConf().getLayer();
            assertEquals(sameDiff, loss.isSameDiff());
        }
    }

    @Test
    void oddBatchFailsWithClearMessage() {
        ComputationGraph g = graph(5, 5, 0.5, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.score(ds(Nd4j.randn(DataType.DOUBLE, 7, 5))));
        assertTrue(e.getMessage().contains("odd number of rows"), e.getMessage());
        assertTrue(e.getMessage().contains("7 rows"), e.getMessage());
    }

    @Test
    void rank3InputFailsWithClearMessage() {
        ComputationGraph g = graph(5, 5, 0.5, false, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.score(ds(Nd4j.randn(DataType.DOUBLE, 4, 5, 3))));
        assertTrue(e.getMessage().contains("rank 3"), e.getMessage());
    }

    @Test
    void recurrentInputTypeIsRejectedAtConfiguration() {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("in").setInputTypes(InputType.recurrent(5, 3))
                .addLayer("loss", new NtXentLoss.Builder().build(), "in").setOutputs("loss");
        String message = PairLossTestSupport.configurationError(b);
        assertTrue(message.contains("feed-forward"), message);
    }

    @Test
    void nonPositiveTemperatureRejected() {
        assertThrows(IllegalArgumentException.class, () -> new NtXentLoss.Builder().temperature(0));
        assertThrows(IllegalArgumentException.class, () -> new NtXentLoss.Builder().temperature(Double.NaN));
    }

    @Test
    void jsonRoundTrip() {
        NtXentLoss loss = TestGraphs.jsonRoundTripped(graph(5, 4, 0.2, true, null).getConfiguration(), "loss");
        assertEquals(0.2, loss.getTemperature());
        assertEquals(4, loss.getNIn());
    }

    @Test
    void modelSerializerRoundTripKeepsScoreAndParams(@TempDir File dir) throws Exception {
        ComputationGraph g = graph(5, 4, 0.3, true, new Adam(1e-2));
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 5);
        g.fit(ds(x));
        File f = new File(dir, "model.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), back.params());
        assertEquals(g.score(ds(x)), back.score(ds(x)), 1e-12);
        assertEquals(g.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    }

    @Test
    void fitLowersTheLoss() {
        ComputationGraph g = graph(10, 8, 0.5, true, new Adam(5e-2));
        INDArray base = Nd4j.randn(DataType.DOUBLE, 8, 10);
        INDArray x = Nd4j.vstack(base.add(Nd4j.randn(DataType.DOUBLE, 8, 10).mul(0.3)),
                base.add(Nd4j.randn(DataType.DOUBLE, 8, 10).mul(0.3)));
        DataSet data = ds(x);
        double before = g.score(data);
        for (int i = 0; i < 30; i++) g.fit(data);
        double after = g.score(data);
        assertTrue(after < before - 0.1, "loss should fall: " + before + " -> " + after);
        assertFalse(Double.isNaN(after));
    }
}
