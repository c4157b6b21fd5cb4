package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;

import static io.github.dl4jssl.layers.PairLossTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(DoublePrecision.class)
class ByolLossTest {


    private static MultiDataSet mds(INDArray a, INDArray b) {
        return new MultiDataSet(new INDArray[]{a, b}, new INDArray[]{zeroLabels(a.size(0))});
    }

    @Test
    void scoreEqualsIndependentComputation() {
        ComputationGraph g = onlineVsConstant(5, 4, new ByolLoss.Builder().build(), null);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray p = g.feedForward(new INDArray[]{a, z}, false).get("online");
        double[] cos = swappedCosines(p.toDoubleMatrix(), z.toDoubleMatrix());
        double total = 0;
        for (double c : cos) total += 2 - 2 * c;
        assertEquals(total / 6, g.score(mds(a, z)), 1e-10);
    }

    @Test
    void identicalDirectionsGiveZeroAndOppositeGiveFour() {
        ComputationGraph g = onlineVsConstant(3, 3, new ByolLoss.Builder().build(), null);
        INDArray a = Nd4j.randn(DataType.DOUBLE, 4, 3);
        INDArray p = g.feedForward(new INDArray[]{a, Nd4j.zeros(DataType.DOUBLE, 4, 3)}, false).get("online");
        // z_{s(i)} = 3 p_i, i.e. z = swap(3p)
        INDArray z = Nd4j.vstack(p.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all()),
                p.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all())).mul(3);
        assertEquals(0.0, g.score(mds(a, z)), 1e-10);
        assertEquals(4.0, g.score(mds(a, z.neg())), 1e-10);
    }

    @Test
    void gradientCheckDoublePrecision() {
        assertTrue(gradientCheckAgainstConstantTargets(new ByolLoss.Builder().build()), "BYOL gradient check failed");
    }

    @Test
    void noGradientReachesTheTargetHalf() {
        ComputationGraph g = twoTrainableBranches(5, 3, new ByolLoss.Builder().build());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 5);
        g.setInputs(x);
        g.setLabels(zeroLabels(6));
        g.computeGradientAndScore();
        INDArray zGrad = g.gradient().getGradientFor("zdense_W");
        INDArray pGrad = g.gradient().getGradientFor("pdense_W");
        assertEquals(0.0, zGrad.norm2Number().doubleValue(), 0.0, "target branch must get no gradient");
        assertEquals(0.0, g.gradient().getGradientFor("zdense_b").norm2Number().doubleValue(), 0.0);
        assertTrue(pGrad.norm2Number().doubleValue() > 1e-6, "online branch must get a gradient");

        INDArray merged = Nd4j.randn(DataType.DOUBLE, 6, 6);
        INDArray eps = lossInputGradient(g, merged);
        assertEquals(0.0, eps.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6)).norm2Number().doubleValue(), 0.0);
        assertTrue(eps.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).norm2Number().doubleValue() > 1e-6);
    }

    @Test
    void oddBatchFailsWithClearMessage() {
        ComputationGraph g = onlineVsConstant(5, 4, new ByolLoss.Builder().build(), null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.score(mds(Nd4j.randn(DataType.DOUBLE, 5, 5), Nd4j.randn(DataType.DOUBLE, 5, 4))));
        assertTrue(e.getMessage().contains("odd number of rows"), e.getMessage());
    }

    @Test
    void oddMergedWidthRejectedAtConfiguration() {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("p", "z").setInputTypes(InputType.feedForward(3), InputType.feedForward(2))
                .addVertex("merge", new MergeVertex(), "p", "z")
                .addLayer("loss", new ByolLoss.Builder().build(), "merge").setOutputs("loss");
        String message = PairLossTestSupport.configurationError(b);
        assertTrue(message.contains("odd input size 5"), message);
    }

    @Test
    void jsonAndModelSerializerRoundTrip(@TempDir File dir) throws Exception {
        ComputationGraph g = onlineVsConstant(5, 4, new ByolLoss.Builder().build(), new Adam(1e-2));
        ByolLoss loss = TestGraphs.jsonRoundTripped(g.getConfiguration(), "loss");
        assertEquals(8, loss.getNIn());
        assertEquals(4, loss.halfWidth());

        INDArray a = Nd4j.randn(DataType.DOUBLE, 6, 5);
        INDArray z = Nd4j.randn(DataType.DOUBLE, 6, 4);
        double before = g.score(mds(a, z));
        for (int i = 0; i < 5; i++) g.fit(mds(a, z));
        assertTrue(g.score(mds(a, z)) < before, "fit should lower the loss");
        File f = new File(dir, "byol.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), restored.params());
        assertEquals(g.score(mds(a, z)), restored.score(mds(a, z)), 1e-12);
    }
}
