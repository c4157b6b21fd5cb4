package io.github.dl4jssl.zoo.backbone;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class BackboneGraphTest {

    private static final String PREFIX = "enc_";

    /** A "self-supervised" graph: input -> backbone -> dense head -> output, trained a few steps. */
    private static ComputationGraph trainedGraph(Backbone backbone, INDArray x) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(3)
                .updater(new Adam(1e-2))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(backbone.inputType());
        String feat = backbone.appendTo(g, "in", PREFIX);
        g.addLayer("head", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), feat);
        g.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(4)
                .activation(Activation.IDENTITY).build(), "head");
        g.setOutputs("out");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        DataSet ds = new DataSet(x, Nd4j.rand((int) x.size(0), 4));
        for (int i = 0; i < 2; i++) {
            graph.fit(ds);
        }
        return graph;
    }

    private static void checkExtraction(Backbone backbone, INDArray x, String featureVertex) {
        ComputationGraph trained = trainedGraph(backbone, x);
        ComputationGraph extracted = BackboneGraph.extract(trained, backbone, PREFIX);

        // the BN running statistics moved away from their initial values during training ...
        String bn = backbone instanceof SmallCnn ? (backbone.layers() == LayerImplementation.FUSED ? "conv1" : "bn1") : "stem_bn";
        INDArray trainedMean = trained.getLayer(PREFIX + bn)
                .getParam("mean");
        assertTrue(trainedMean.norm2Number().doubleValue() > 0, "BN running mean should have been updated");
        // ... and were copied
        assertEquals(trainedMean, extracted.getLayer(PREFIX + bn)
                .getParam("mean"));

        INDArray expected = trained.feedForward(x, false).get(featureVertex);
        INDArray actual = extracted.outputSingle(false, x);
        assertArrayEquals(new long[] {x.size(0), backbone.featureSize()}, actual.shape());
        assertEquals(expected, actual);
        assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 0.0);

        // the copy is independent of the trained graph
        trained.params().addi(1.0);
        assertEquals(expected, extracted.outputSingle(false, x));
    }

    @Test
    void extractedSmallCnnGivesTheSameFeaturesAsTheFullGraph() {
        SmallCnn cnn = new SmallCnn(8, 8, 1);
        checkExtraction(cnn, Nd4j.rand(4, 1, 8, 8), PREFIX + "pool");
    }

    @Test
    void extractedResNetGivesTheSameFeaturesAsTheFullGraph() {
        ResNet18Cifar tiny = new ResNet18Cifar(8, 8, 3, 4);
        checkExtraction(tiny, Nd4j.rand(4, 3, 8, 8), PREFIX + "pool");
    }

    @Test
    void wrongPrefixIsReported() {
        SmallCnn cnn = new SmallCnn(8, 8, 1);
        ComputationGraph trained = trainedGraph(cnn, Nd4j.rand(2, 1, 8, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackboneGraph.extract(trained, cnn, "backbone_"));
        assertTrue(e.getMessage().contains("backbone_conv1"), e.getMessage());
    }

    @Test
    void mismatchedArchitectureIsReported() {
        ComputationGraph trained = trainedGraph(new SmallCnn(8, 8, 1), Nd4j.rand(2, 1, 8, 8));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackboneGraph.extract(trained, new SmallCnn(8, 8, 3), PREFIX));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }

    @Test
    void standaloneUsesInputVertexAndFeatureOutput() {
        ComputationGraphConfiguration conf = new SmallCnn(8, 8, 1).standalone(5);
        assertEquals(java.util.List.of(BackboneGraph.INPUT), conf.getNetworkInputs());
        assertEquals(java.util.List.of(Backbone.DEFAULT_PREFIX + "pool"), conf.getNetworkOutputs());
    }
}
