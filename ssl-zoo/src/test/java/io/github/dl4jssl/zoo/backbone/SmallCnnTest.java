package io.github.dl4jssl.zoo.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SmallCnnTest {

    @Test
    void outputShapeIsBatchBy128() {
        SmallCnn cnn = new SmallCnn();
        assertEquals(128, cnn.featureSize());
        ComputationGraph g = new ComputationGraph(cnn.standalone(42));
        g.init();
        INDArray out = g.outputSingle(false, Nd4j.rand(3, 1, 28, 28));
        assertArrayEquals(new long[] {3, 128}, out.shape());
    }

    @Test
    void parameterCountMatchesHandComputation() {
        // conv weights without bias: k*k*cIn*cOut; DL4J BatchNormalization holds 4 values per
        // channel: gamma, beta and the running mean and variance.
        long conv = 9L * 1 * 32 + 9L * 32 * 64 + 9L * 64 * 64 + 9L * 64 * 128; // 129_312
        long bn = 4L * (32 + 64 + 64 + 128);                                    // 1_152
        assertEquals(130_464L, conv + bn);
        ComputationGraph g = new ComputationGraph(new SmallCnn().standalone(1));
        g.init();
        assertEquals(conv + bn, g.numParams());

        ComputationGraph rgb = new ComputationGraph(new SmallCnn(16, 16, 3).standalone(1));
        rgb.init();
        assertEquals(conv + bn + 9L * 2 * 32, rgb.numParams());
    }

    @Test
    void widthMultiplierScalesEveryLayer() {
        SmallCnn half = new SmallCnn(28, 28, 1, 0.5);   // 16-32-32-64
        assertEquals(64, half.featureSize());
        long conv = 9L * 1 * 16 + 9L * 16 * 32 + 9L * 32 * 32 + 9L * 32 * 64;
        long bn = 4L * (16 + 32 + 32 + 64);
        ComputationGraph g = new ComputationGraph(half.standalone(1));
        g.init();
        assertEquals(conv + bn, g.numParams());
        assertArrayEquals(new long[] {2, 64}, g.outputSingle(false, Nd4j.rand(2, 1, 28, 28)).shape());
        assertEquals(java.util.List.of("conv4"), half.finalStage(), "the default's last fused block");
        assertEquals(java.util.List.of("conv4", "bn4"), new SmallCnn(28, 28, 1, LayerImplementation.NATIVE, 0.5).finalStage());
        assertThrows(IllegalArgumentException.class, () -> new SmallCnn(28, 28, 1, 0));
    }

    @Test
    void rejectsNonPositiveSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SmallCnn(28, 0, 1));
        assertEquals(true, e.getMessage().contains("w=0"));
    }
}
