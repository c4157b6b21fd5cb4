package io.github.dl4jssl.layers;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link NativeBatchNormalization} on rank-2 input [N, C] (the BatchNorm of MLP heads), with learned and with locked
 * gamma and beta: against the formulas written out with plain loops in double, against DL4J's own
 * {@link BatchNormalization} over several Adam steps (parameters, running statistics, inference output), and a
 * gradient check.
 */
@ExtendWith(DoublePrecision.class)
class NativeBatchNormalizationFeaturesTest {

    private static final int N = 5;
    private static final int C = 3;
    private static final double EPS = 1e-5;

    /** in [C] -> dense [C] -> "bn" -> MSE; {@code bn} is DL4J's or the native one, locked or not. */
    private static ComputationGraph graph(BatchNormalization.Builder bn, boolean lock, DataType type,
                                          org.nd4j.linalg.learning.config.IUpdater updater) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4).dataType(type)
                .updater(updater).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(C))
                .addLayer("fc", new DenseLayer.Builder().nOut(C).activation(Activation.TANH).build(), "in")
                .addLayer("bn", bn.lockGammaBeta(lock).gamma(lock ? 1.5 : 1.0).beta(lock ? -0.5 : 0.0).build(), "fc")
                .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
                        .build(), "bn")
                .setOutputs("out").build());
        g.init();
        if (!lock) {
            g.getLayer("bn").getParam("gamma").assign(Nd4j.createFromArray(new double[][]{{1.7, 0.6, -0.5}}));
            g.getLayer("bn").getParam("beta").assign(Nd4j.createFromArray(new double[][]{{0.4, -0.9, 2.2}}));
        }
        return g;
    }

    /** Random input whose last column is far from zero mean, so that centring matters. */
    private static INDArray input(DataType type) {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.DOUBLE, N, C).muli(2);
        x.getColumn(C - 1).addi(7);
        return x.castTo(type);
    }

    @Test
    void trainingOutputAndGradientsEqualThePlainFormulas() {
        INDArray x = input(DataType.DOUBLE);
        Nd4j.getRandom().setSeed(13);
        INDArray dy = Nd4j.randn(DataType.DOUBLE, N, C);
        for (boolean lock : new boolean[]{false, true}) {
            // c-order input and an f-order copy
            for (INDArray in : new INDArray[]{x, x.dup('f')}) {
                BatchNormPass pass = BatchNormPass.run(
                        graph(new NativeBatchNormalization.Builder(), lock, DataType.DOUBLE, new NoOp()), in, dy);
                Layer bn = pass.layer();
                for (int c = 0; c < C; c++) {
                    double gamma = lock ? 1.5 : bn.getParam("gamma").getDouble(c);
                    double beta = lock ? -0.5 : bn.getParam("beta").getDouble(c);
                    double mu = 0;
                    for (int n = 0; n < N; n++) {
                        mu += x.getDouble(n, c) / N;
                    }
                    double var = 0;
                    for (int n = 0; n < N; n++) {
                        var += (x.getDouble(n, c) - mu) * (x.getDouble(n, c) - mu) / N;
                    }
                    double sigma = Math.sqrt(var + EPS);
                    double dBeta = 0;
                    double dGamma = 0;
                    for (int n = 0; n < N; n++) {
                        dBeta += dy.getDouble(n, c);
                        dGamma += dy.getDouble(n, c) * (x.getDouble(n, c) - mu) / sigma;
                    }
                    String where = " column " + c + " lock " + lock + " order " + in.ordering();
                    for (int n = 0; n < N; n++) {
                        double xhat = (x.getDouble(n, c) - mu) / sigma;
                        assertEquals(gamma * xhat + beta, pass.output().getDouble(n, c), 1e-10, "output" + where);
                        double dx = gamma / sigma * (dy.getDouble(n, c) - dBeta / N - xhat * dGamma / N);
                        assertEquals(dx, pass.inputGradient().getDouble(n, c), 1e-10, "dL/dx" + where);
                    }
                    // reported also for locked constants, as DL4J's layer does
                    assertEquals(dGamma, pass.gradient().getGradientFor("gamma").getDouble(c), 1e-10, "dL/dgamma" + where);
                    assertEquals(dBeta, pass.gradient().getGradientFor("beta").getDouble(c), 1e-10, "dL/dbeta" + where);
                }
            }
        }
    }

    /**
     * Three Adam steps from the same initial parameters: every parameter (dense weights, gamma, beta, running mean and
     * log10 std) and the inference output equal DL4J's layer's, in double and in float.
     */
    @Test
    void trainsLikeDl4jsBatchNormalization() {
        for (DataType type : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            // float: both round differently (DL4J in float, ours in double) and Adam divides by the tiny gradients' roots
            double tol = type == DataType.DOUBLE ? 1e-9 : 2e-4;
            for (boolean lock : new boolean[]{false, true}) {
                ComputationGraph dl4j = graph(new BatchNormalization.Builder(), lock, type, new Adam(0.05));
                ComputationGraph nat = graph(new NativeBatchNormalization.Builder(), lock, type, new Adam(0.05));
                nat.setParams(dl4j.params().dup());
                assertTrue(nat.getLayer("bn") instanceof io.github.dl4jssl.layers.impl.NativeBatchNormalizationImpl);
                INDArray x = input(type);
                Nd4j.getRandom().setSeed(15);
                INDArray labels = Nd4j.randn(DataType.DOUBLE, N, C).castTo(type);
                for (int step = 0; step < 3; step++) {
                    dl4j.fit(new MultiDataSet(x, labels));
                    nat.fit(new MultiDataSet(x, labels));
                }
                String where = type + " lock " + lock;
                assertArrayEquals(dl4j.params().toDoubleVector(), nat.params().toDoubleVector(), tol, "parameters " + where);
                assertArrayEquals(dl4j.outputSingle(x).reshape(N * C).toDoubleVector(),
                        nat.outputSingle(x).reshape(N * C).toDoubleVector(), tol, "inference output " + where);
                // the steps moved the running mean away from its initial zeros (so the comparison covers its update)
                assertTrue(nat.getLayer("bn").getParam("mean").norm2Number().doubleValue() > 1e-3, where);
            }
        }
    }

    @Test
    void gradientCheckDoublePrecision() {
        for (boolean lock : new boolean[]{false, true}) {
            ComputationGraph g = graph(new NativeBatchNormalization.Builder(), lock, DataType.DOUBLE, new NoOp());
            Nd4j.getRandom().setSeed(14);
            INDArray labels = Nd4j.rand(DataType.DOUBLE, N, C);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{input(DataType.DOUBLE)}).labels(new INDArray[]{labels})
                    .excludeParams(Set.of("bn_mean", "bn_log10stdev", "bn_var"))
                    .epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)), "lock " + lock);
        }
    }
}
