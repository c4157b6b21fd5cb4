package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.TestGraphs;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Double-precision gradient checks (DL4J's GradientCheckUtil) of each ViT layer, tiny sizes, batch of 3. */
class VitLayersGradientTest extends DoublePrecisionTest {

    private static ComputationGraphConfiguration.GraphBuilder builder(InputType in) {
        return new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder().addInputs("in").setInputTypes(in);
    }

    /** Adds an MSE output layer of 3 units after {@code last} and initialises the graph. */
    static ComputationGraph withOutput(ComputationGraphConfiguration.GraphBuilder b, String last) {
        b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(3)
                .activation(Activation.TANH).build(), last).setOutputs("out");
        return TestGraphs.initialized(b.build());
    }

    /** Checks every parameter entry except those of the {@code exclude} parameters ("layer_param"). */
    private static void check(ComputationGraph g, INDArray x, Set<String> exclude) {
        INDArray labels = Nd4j.rand(DataType.DOUBLE, x.size(0), 3);
        GradientCheckUtil.GraphConfig c = new GradientCheckUtil.GraphConfig().net(g).inputs(new INDArray[] {x})
                .labels(new INDArray[] {labels}).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9);
        if (!exclude.isEmpty()) {
            c.excludeParams(exclude);
        }
        assertTrue(GradientCheckUtil.checkGradients(c), "gradient check failed");
    }

    @Test
    void patchEmbedding() {
        ComputationGraphConfiguration.GraphBuilder b = builder(InputType.convolutional(4, 6, 2));
        b.addLayer("patch", new PatchEmbedding.Builder().patchSize(2).embedDim(5).build(), "in");
        b.addLayer("pool", new TokenPooling.Builder().pooling(TokenPooling.Pooling.MEAN).build(), "patch");
        // MEAN pooling drops token 0: patch 0 is checked through the next test's class-token path
        check(withOutput(b, "pool"), Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 6), Set.of());
    }

    @Test
    void classTokenAndPositions() {
        for (ClassTokenPositionEmbedding.Positions pos : ClassTokenPositionEmbedding.Positions.values()) {
            for (TokenPooling.Pooling pooling : TokenPooling.Pooling.values()) {
                ComputationGraphConfiguration.GraphBuilder b = builder(InputType.recurrent(4, 6, RNNFormat.NWC));
                b.addLayer("cls", new ClassTokenPositionEmbedding.Builder().grid(2, 3).positions(pos).build(), "in");
                b.addLayer("pool", new TokenPooling.Builder().pooling(pooling).build(), "cls");
                check(withOutput(b, "pool"), Nd4j.randn(DataType.DOUBLE, 3, 6, 4), Set.of());
            }
        }
    }

    @Test
    void transformerEncoderBlock() {
        // width 4, 2 heads, MLP ratio 1, 3 tokens: every parameter kind, few parameters (fast)
        ComputationGraphConfiguration.GraphBuilder b = builder(InputType.recurrent(4, 3, RNNFormat.NWC));
        b.addLayer("block", new TransformerEncoderBlock.Builder().heads(2).mlpRatio(1).build(), "in");
        b.addLayer("pool", new TokenPooling.Builder().pooling(TokenPooling.Pooling.MEAN).build(), "block");
        ComputationGraph g = withOutput(b, "pool");
        // break the symmetry of the LayerNorm initialisation so that their gradients are checked at generic values
        g.getLayer("block").getParam("ln1g").assign(Nd4j.rand(DataType.DOUBLE, 1, 4).addi(0.5));
        g.getLayer("block").getParam("ln2b").assign(Nd4j.randn(DataType.DOUBLE, 1, 4).muli(0.1));
        check(g, Nd4j.randn(DataType.DOUBLE, 3, 3, 4), Set.of());
    }

    @Test
    void tinyVisionTransformer() {
        ComputationGraphConfiguration.GraphBuilder b = builder(InputType.convolutional(4, 4, 1));
        b.addLayer("patch", new PatchEmbedding.Builder().patchSize(2).embedDim(4).build(), "in");
        b.addLayer("cls", new ClassTokenPositionEmbedding.Builder().grid(2, 2).build(), "patch");
        b.addLayer("block", new TransformerEncoderBlock.Builder().heads(2).mlpRatio(1).build(), "cls");
        b.addLayer("pool", new TokenPooling.Builder().build(), "block");
        ComputationGraph g = withOutput(b, "pool");
        g.getLayer("cls").getParam("cls").assign(Nd4j.randn(DataType.DOUBLE, 1, 4));
        // the block's own parameters are checked above; here the chain patch -> tokens -> block -> pool
        Set<String> blockParams = new java.util.HashSet<>();
        for (String p : g.getLayer("block").paramTable().keySet()) {
            blockParams.add("block_" + p);
        }
        check(g, Nd4j.randn(DataType.DOUBLE, 3, 1, 4, 4), blockParams);
    }
}
