package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
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
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;

import static io.github.dl4jssl.layers.PairLossTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class NegativeCosineLossTest {


    private static MultiDataSet mds(INDArray a, INDArray b) {
        return new MultiDataSet(new INDArray[]{a, b}, new INDArray[]{zeroLabels(a.size(0))});
    }

    /**
     * SimSiam with a shared encoder: in -> enc (tanh) -> pred (identity); loss = merge(pred, enc). With
     * {@code constantZ}, z is a second input "z" instead of enc's output (same parameter names).
     */
    private static ComputationGraph simSiam(boolean constantZ, Object updater) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(3).dataType(DataType.DOUBLE).updater(updater instanceof Adam ? (Adam) updater : new NoOp())
                .graphBuilder();
        if (constantZ) {
            b.addInputs("in", "z").setInputTypes(InputType.feedForward(5), InputType.feedForward(3));
        } else {
            b.addInputs("in").setInputTypes(InputType.feedForward(5));
        }
        b.addLayer("enc", new DenseLayer.Builder().nOut(3).activation(Activation.TANH).build(), "in")
                .addLayer("pred", new DenseLayer.Builder().nOut(3).activation(Activation.IDENTITY).build(), "enc")
                .addVertex("merge", new MergeVertex(), "pred", constantZ ? "z" : "enc")
                .addLayer("loss", new NegativeCosineLoss.Builder().build(), "merge").setOutputs("loss");
        return TestGraphs.initialized(b.build());
    }

    @Test
    void scoreEqualsIndependentComputation() {
        ComputationGraph g = onlineVsConstant(5, 4, new NegativeCosineLoss.Builder().build(), null);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 8, 5);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 8, 4);
        INDArray p = g.feedForward(new INDArray[]{a, z}, false).get("online");
        double[] cos = swappedCosines(p.toDoubleMatrix(), z.toDoubleMatrix());
        // SimSiam: L = 1/2 D(p1, z2) + 1/2 D(p2, z1), each D a mean over the N images
        double d12 = 0, d21 = 0;
        for (int i = 0; i < 4; i++) {
            d12 -= cos[i] / 4;
            d21 -= cos[i + 4] / 4;
        }
        assertEquals(0.5 * d12 + 0.5 * d21, g.score(mds(a, z)), 1e-10);
    }

    @Test
    void gradientCheckWithConstantTargets() {
        assertTrue(gradientCheckAgainstConstantTargets(new NegativeCosineLoss.Builder().build()),
                "SimSiam loss gradient check failed");
    }

    @Test
    void inputGradientOfTheZHalfIsExactlyZero() {
        ComputationGraph g = twoTrainableBranches(5, 3, new NegativeCosineLoss.Builder().build());
        INDArray merged = Nd4j.randn(DataType.DOUBLE, 6, 6);
        INDArray eps = lossInputGradient(g, merged);
        assertEquals(0.0, eps.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6)).norm2Number().doubleValue(), 0.0);
        // the p half: d/dp_i of -sum_i cos(p_i, z_s(i)) = -(z^_s - cos p^) / |p_i|
        double[][] m = merged.toDoubleMatrix();
        for (int i = 0; i < 6; i++) {
            double[] p = java.util.Arrays.copyOfRange(m[i], 0, 3);
            double[] z = unit(java.util.Arrays.copyOfRange(m[(i + 3) % 6], 3, 6));
            double np = Math.sqrt(dot(p, p));
            double[] ph = unit(p);
            double c = dot(ph, z);
            for (int k = 0; k < 3; k++) {
                assertEquals(-(z[k] - c * ph[k]) / np, eps.getDouble(i, k), 1e-10, "dL/dp[" + i + "," + k + "]");
            }
        }

        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 5);
        g.setInputs(x);
        g.setLabels(zeroLabels(6));
        g.computeGradientAndScore();
        assertEquals(0.0, g.gradient().getGradientFor("zdense_W").norm2Number().doubleValue(), 0.0);
        assertEquals(0.0, g.gradient().getGradientFor("zdense_b").norm2Number().doubleValue(), 0.0);
        assertTrue(g.gradient().getGradientFor("pdense_W").norm2Number().doubleValue() > 1e-6);
    }

    /**
     * The shared-encoder graph's gradient equals that of the same network in which z is fed as a constant
     * (and the latter passes the numeric gradient check): the encoder learns only through the predictor.
     */
    @Test
    void sharedEncoderGradientEqualsConstantTargetGradient() {
        ComputationGraph shared = simSiam(false, null);
        ComputationGraph constant = simSiam(true, null);
        constant.setParams(shared.params().dup());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray z = shared.feedForward(new INDArray[]{x}, true).get("enc").dup();

        shared.setInputs(x);
        shared.setLabels(zeroLabels(6));
        shared.computeGradientAndScore();
        constant.setInputs(x, z);
        constant.setLabels(zeroLabels(6));
        constant.computeGradientAndScore();
        assertEquals(constant.score(), shared.score(), 1e-12);
        for (String param : new String[]{"enc_W", "enc_b", "pred_W", "pred_b"}) {
            INDArray a = shared.gradient().getGradientFor(param);
            INDArray b = constant.gradient().getGradientFor(param);
            assertTrue(a.equalsWithEps(b, 1e-12), param + ": " + a + " vs " + b);
        }
        assertTrue(gradientCheck(constant, new INDArray[]{x, z}, null));
    }

    @Test
    void fitLowersTheLossOfASharedEncoder() {
        ComputationGraph g = simSiam(false, new Adam(5e-2));
        INDArray base = Nd4j.randn(DataType.DOUBLE, 4, 5);
        INDArray x = Nd4j.vstack(base.add(Nd4j.randn(DataType.DOUBLE, 4, 5).mul(0.2)),
                base.add(Nd4j.randn(DataType.DOUBLE, 4, 5).mul(0.2)));
        DataSet data = new DataSet(x, zeroLabels(8));
        double before = g.score(data);
        for (int i = 0; i < 20; i++) g.fit(data);
        double after = g.score(data);
        assertTrue(after < before, before + " -> " + after);
        assertTrue(after >= -1 - 1e-9);
    }

    @Test
    void badShapesFailWithClearMessages() {
        ComputationGraph g = onlineVsConstant(5, 4, new NegativeCosineLoss.Builder().build(), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.score(mds(Nd4j.randn(DataType.DOUBLE, 3, 5), Nd4j.randn(DataType.DOUBLE, 3, 4))));
        assertTrue(e.getMessage().contains("3 rows"), e.getMessage());
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("p").setInputTypes(InputType.feedForward(7))
                .addLayer("loss", new NegativeCosineLoss.Builder().build(), "p").setOutputs("loss");
        String message = PairLossTestSupport.configurationError(b);
        assertTrue(message.contains("MergeVertex"), message);
    }

    @Test
    void jsonAndModelSerializerRoundTrip(@TempDir File dir) throws Exception {
        ComputationGraph g = simSiam(false, new Adam(1e-2));
        assertTrue(TestGraphs.jsonRoundTripped(g.getConfiguration(), "loss") instanceof NegativeCosineLoss);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 5);
        DataSet data = new DataSet(x, zeroLabels(6));
        g.fit(data);
        File f = new File(dir, "simsiam.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), back.params());
        assertEquals(g.score(data), back.score(data), 1e-12);
    }
}
