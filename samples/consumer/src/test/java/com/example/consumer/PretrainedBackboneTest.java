package com.example.consumer;

import io.github.dl4jssl.pretrained.Pretrained;
import io.github.dl4jssl.pretrained.PretrainedZooModel;
import io.github.dl4jssl.zoo.data.FashionMnist;
import io.github.dl4jssl.zoo.data.LabelledImages;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.zoo.ZooModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a user of ssl-pretrained writes, offline, against the published artifacts: a pretrained backbone by name, the
 * same through DL4J's zoo interface, and the README's path to a fine-tuned classifier with DL4J's TransferLearning
 * (frozen backbone, then unfrozen) on a tiny Fashion-MNIST subset.
 */
class PretrainedBackboneTest {
    private static final String NAME = "simclr-small-cnn-fashion-mnist";

    @Test
    void aBackboneByNameAndThroughDl4jsZoo() throws Exception {
        ComputationGraph backbone = Pretrained.backbone(NAME);
        INDArray features = backbone.outputSingle(false, Nd4j.rand(4, 1, 28, 28));
        assertArrayEquals(new long[]{4, 128}, features.shape());
        assertTrue(Pretrained.list().stream().anyMatch(card -> card.name().equals(NAME) && card.command().contains("train")));

        ZooModel<ComputationGraph> zoo = PretrainedZooModel.of(NAME);
        ComputationGraph fromZoo = (ComputationGraph) zoo.initPretrained();
        assertEquals(backbone.params(), fromZoo.params(), "the zoo route loads the same weights, from the jar");
        assertArrayEquals(new int[]{1, 28, 28}, zoo.metaData().getInputShape()[0]);
        assertEquals(128, zoo.metaData().getNumOutputs());
    }

    @Test
    void fineTuneThePretrainedBackboneWithTransferLearning() throws Exception {
        boolean data = Files.isDirectory(FashionMnist.DEFAULT_DIR);
        assertTrue(data || !Boolean.getBoolean("require.data"), "Fashion-MNIST is missing, and -Drequire.data=true requires it");
        Assumptions.assumeTrue(data, "Fashion-MNIST is not installed: skipped (with -Drequire.data=true it fails instead)");
        LabelledImages trainImages = FashionMnist.loadTrain(FashionMnist.DEFAULT_DIR).subset(1000);
        LabelledImages testImages = FashionMnist.loadTest(FashionMnist.DEFAULT_DIR).subset(500);
        DataSetIterator train = new ListDataSetIterator<>(
                new DataSet(trainImages.features(), trainImages.labelsOneHot()).asList(), 50);
        DataSetIterator test = new ListDataSetIterator<>(
                new DataSet(testImages.features(), testImages.labelsOneHot()).asList(), 250);

        // --- the README's fine-tuning path ---
        ComputationGraph backbone = Pretrained.backbone("simclr-small-cnn-fashion-mnist");
        String features = backbone.getConfiguration().getNetworkOutputs().get(0);      // the 128-d feature vector
        OutputLayer classifier = new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nIn(128).nOut(10).activation(Activation.SOFTMAX).build();

        // 1. frozen backbone: only the new classifier learns (a linear probe, trained by DL4J)
        ComputationGraph probe = new TransferLearning.GraphBuilder(backbone)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).seed(42).build())
                .setFeatureExtractor(features)                                          // freezes everything up to it
                .addLayer("classifier", classifier, features)
                .setOutputs("classifier")
                .build();
        probe.fit(train, 4);
        Evaluation frozen = probe.evaluate(test);

        // 2. unfrozen: the whole network learns, from the probe's classifier, at a smaller rate
        ComputationGraph fineTuned = new TransferLearning.GraphBuilder(Pretrained.backbone("simclr-small-cnn-fashion-mnist"))
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-4)).seed(42).build())
                .addLayer("classifier", classifier, features)
                .setOutputs("classifier")
                .build();
        fineTuned.getLayer("classifier").setParams(probe.getLayer("classifier").params());
        fineTuned.fit(train, 1);
        Evaluation all = fineTuned.evaluate(test);
        System.out.printf("frozen backbone: top-1 %.3f; fine-tuned: top-1 %.3f%n", frozen.accuracy(), all.accuracy());
        // --- checks ---
        ComputationGraph original = Pretrained.backbone(NAME);
        boolean changed = false;
        for (org.deeplearning4j.nn.api.Layer layer : original.getLayers()) {
            if (layer.numParams() == 0) {
                continue;
            }
            String name = layer.conf().getLayer().getLayerName();
            assertEquals(layer.params(), probe.getLayer(name).params(), name + ": the frozen phase leaves the pretrained weights alone");
            changed |= !layer.params().equals(fineTuned.getLayer(name).params());
        }
        assertTrue(changed, "fine-tuning changes the backbone");
        assertTrue(frozen.accuracy() > 0.5, "pretrained features: far above chance (0.1) with 1,000 labels, got " + frozen.accuracy());
        assertTrue(all.accuracy() > 0.5, "fine-tuned: far above chance, got " + all.accuracy());
    }
}
