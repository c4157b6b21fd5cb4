package io.github.dl4jssl.zoo.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ResNet18CifarTest {

    /** Independent count: {conv weights, BN channels} of a CIFAR ResNet-18 with base width w. */
    private static long[] expectedCounts(int inChannels, int w) {
        long conv = 9L * inChannels * w; // stem
        long bnChannels = w;
        int cIn = w;
        for (int stage = 0; stage < 4; stage++) {
            int cOut = w << stage;
            for (int block = 0; block < 2; block++) {
                conv += 9L * cIn * cOut + 9L * cOut * cOut;
                bnChannels += 2L * cOut;
                if (cIn != cOut) { // projection shortcut 1x1 conv + BN
                    conv += (long) cIn * cOut;
                    bnChannels += cOut;
                }
                cIn = cOut;
            }
        }
        return new long[] {conv, bnChannels};
    }

    @Test
    void tinyNetworkShapeAndParameterCount() {
        ResNet18Cifar tiny = new ResNet18Cifar(16, 16, 3, 8);
        assertEquals(64, tiny.featureSize());
        ComputationGraph g = new ComputationGraph(tiny.standalone(7));
        g.init();
        long[] c = expectedCounts(3, 8);
        assertEquals(c[0] + 4 * c[1], g.numParams()); // DL4J BN: gamma, beta, mean, var
        INDArray out = g.outputSingle(false, Nd4j.rand(2, 3, 16, 16));
        assertArrayEquals(new long[] {2, 64}, out.shape());
    }

    @Test
    void fullSizeParameterCountIsResNet18() {
        long[] c = expectedCounts(3, 64);
        // conv + BN gamma/beta is the well-known 11.17M of a CIFAR ResNet-18 without the fc layer
        assertEquals(11_168_832L, c[0] + 2 * c[1]);
        ResNet18Cifar full = new ResNet18Cifar();
        assertEquals(512, full.featureSize());
        ComputationGraph g = new ComputationGraph(full.standalone(7));
        g.init();
        assertEquals(c[0] + 4 * c[1], g.numParams()); // + running mean/var
        INDArray out = g.outputSingle(false, Nd4j.rand(1, 3, 32, 32));
        assertArrayEquals(new long[] {1, 512}, out.shape());
    }

    @Test
    void vertexNamesCarryStagesAndProjectionOnlyWhereShapeChanges() {
        ComputationGraph g = new ComputationGraph(new ResNet18Cifar(8, 8, 3, 4).standalone(1));
        g.init();
        String p = Backbone.DEFAULT_PREFIX;
        assertNotNull(g.getLayer(p + "stem_conv"));
        assertNotNull(g.getLayer(p + "stage1_block0_conv1"));
        assertNotNull(g.getLayer(p + "stage4_block1_out"));
        assertNotNull(g.getVertex(p + "stage3_block1_add"));
        assertNull(g.getVertex(p + "stage1_block0_shortcut_conv"));
        assertNull(g.getVertex(p + "stage2_block1_shortcut_conv"));
        for (int s = 2; s <= 4; s++) {
            assertNotNull(g.getLayer(p + "stage" + s + "_block0_shortcut_conv"));
            assertNotNull(g.getLayer(p + "stage" + s + "_block0_shortcut_bn"));
        }
        // all vertices (besides the input) carry the prefix
        for (String name : g.getConfiguration().getVertices().keySet()) {
            assertTrue(name.startsWith(p), name);
        }
    }
}
