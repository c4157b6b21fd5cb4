package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Graphs and plain-Java references shared by the tests of the merge(a, b) losses. */
final class PairLossTestSupport {

    private PairLossTestSupport() {
    }

    /** Inputs "a" [*, nIn] -> dense "online" (tanh, d) and "b" [*, d] used as is; merge(online, b) -> loss. */
    static ComputationGraph onlineVsConstant(int nIn, int d, Layer loss, IUpdater updater) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(42).dataType(DataType.DOUBLE).updater(updater == null ? new NoOp() : updater)
                .graphBuilder().addInputs("a", "b")
                .setInputTypes(InputType.feedForward(nIn), InputType.feedForward(d))
                .addLayer("online", new DenseLayer.Builder().nOut(d).activation(Activation.TANH).build(), "a")
                .addVertex("merge", new MergeVertex(), "online", "b")
                .addLayer("loss", loss, "merge").setOutputs("loss");
        return TestGraphs.initialized(b.build());
    }

    /** Input "in" -> dense "pdense" and dense "zdense" (both trainable, tanh); merge(pdense, zdense) -> loss. */
    static ComputationGraph twoTrainableBranches(int nIn, int d, Layer loss) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(7).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(nIn))
                .addLayer("pdense", new DenseLayer.Builder().nOut(d).activation(Activation.TANH).build(), "in")
                .addLayer("zdense", new DenseLayer.Builder().nOut(d).activation(Activation.TANH).build(), "in")
                .addVertex("merge", new MergeVertex(), "pdense", "zdense")
                .addLayer("loss", loss, "merge").setOutputs("loss");
        return TestGraphs.initialized(b.build());
    }

    /**
     * The message of the {@link IllegalArgumentException} (possibly wrapped by DL4J) with which {@code b.build()}
     * refuses a loss at configuration time; fails if it builds.
     */
    static String configurationError(ComputationGraphConfiguration.GraphBuilder b) {
        Throwable root = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, b::build);
        while (root.getCause() != null && !(root instanceof IllegalArgumentException)) {
            root = root.getCause();
        }
        return String.valueOf(root.getMessage());
    }

    static INDArray zeroLabels(long rows) {
        return Nd4j.zeros(DataType.DOUBLE, rows, 1);
    }

    static boolean gradientCheck(ComputationGraph g, INDArray[] inputs, Set<String> exclude) {
        GradientCheckUtil.GraphConfig c = new GradientCheckUtil.GraphConfig().net(g).inputs(inputs)
                .labels(new INDArray[]{zeroLabels(inputs[0].size(0))})
                .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9);
        if (exclude != null) {
            c.excludeParams(exclude);
        }
        return GradientCheckUtil.checkGradients(c);
    }

    /**
     * DL4J's double-precision gradient check of {@code loss} in {@link #onlineVsConstant} (5 inputs, 4-wide halves, no
     * updater) on a random batch of 6.
     */
    static boolean gradientCheckAgainstConstantTargets(Layer loss) {
        ComputationGraph g = onlineVsConstant(5, 4, loss, null);
        return gradientCheck(g, new INDArray[]{Nd4j.randn(DataType.DOUBLE, 6, 5), Nd4j.randn(DataType.DOUBLE, 6, 4)}, null);
    }

    /**
     * The loss's plain-ND4J runtime layer (of class {@code runtime}) and its SameDiff graph (the same configuration with
     * {@code sameDiff} set) give the same score, parameter gradients and input gradient in {@link #onlineVsConstant},
     * on inputs that include rows of large and tiny norm.
     */
    static void assertRuntimeEqualsSameDiff(SslLossLayer conf, Class<?> runtime, String what) {
        SslLossLayer reference = (SslLossLayer) conf.clone();
        reference.setSameDiff(true);
        ComputationGraph fast = onlineVsConstant(5, 4, conf, null);
        ComputationGraph graph = onlineVsConstant(5, 4, reference, null);
        assertInstanceOf(runtime, fast.getLayer("loss"), what);
        assertFalse(runtime.isInstance(graph.getLayer("loss")), what);
        assertEquals(graph.params(), fast.params(), "same parameters, " + what);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 8, 5);
        INDArray k = Nd4j.randn(DataType.DOUBLE, 8, 4);
        k.getRow(2).muli(1e3);   // rows of large and tiny norm
        k.getRow(5).muli(1e-6);
        for (ComputationGraph g : new ComputationGraph[]{fast, graph}) {
            g.setInputs(a, k);
            g.setLabels(zeroLabels(8));
            g.computeGradientAndScore();
        }
        assertEquals(graph.score(), fast.score(), 1e-10, what);
        assertTrue(Math.abs(fast.score()) > 1e-3, "a loss that could differ: " + what);
        graph.gradient().gradientForVariable().forEach((name, v) -> assertTrue(
                v.equalsWithEps(fast.gradient().gradientForVariable().get(name), 1e-9), "gradient " + name + ", " + what));
        INDArray lossInput = Nd4j.randn(DataType.DOUBLE, 8, 8);
        lossInput.getRow(3).muli(1e3);
        lossInput.getRow(6).muli(1e-6);
        INDArray expected = lossInputGradient(graph, lossInput.dup());
        INDArray actual = lossInputGradient(fast, lossInput.dup());
        assertTrue(expected.norm2Number().doubleValue() > 1e-6, what);
        assertTrue(expected.equalsWithEps(actual, 1e-9), "input gradient, " + what + ": " + expected + " vs " + actual);
    }

    /** The gradient of the summed loss with respect to the loss layer's input, straight from its runtime layer. */
    static INDArray lossInputGradient(ComputationGraph g, INDArray lossInput) {
        g.initGradientsView();   // a layer with parameters (InfoNCE's queue) needs its gradient views
        org.deeplearning4j.nn.api.Layer layer = g.getLayer("loss");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        layer.setInput(lossInput, mgr);
        ((org.deeplearning4j.nn.api.layers.IOutputLayer) layer).setLabels(zeroLabels(lossInput.size(0)));
        layer.activate(true, mgr);
        Pair<Gradient, INDArray> p = layer.backpropGradient(null, mgr);
        return p.getSecond();
    }

    static double[] unit(double[] v) {
        double n = 0;
        for (double x : v) n += x * x;
        n = Math.sqrt(n);
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i] / n;
        return r;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** cos(a_i, b_{(i+N) mod 2N}) for every row of the stacked batch. */
    static double[] swappedCosines(double[][] a, double[][] b) {
        int rows = a.length, n = rows / 2;
        double[] c = new double[rows];
        for (int i = 0; i < rows; i++) c[i] = dot(unit(a[i]), unit(b[(i + n) % rows]));
        return c;
    }
}
