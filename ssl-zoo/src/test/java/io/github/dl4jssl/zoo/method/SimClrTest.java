package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.NtXentLoss;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.layerOf;
import static org.junit.jupiter.api.Assertions.*;

class SimClrTest {

    /** 64 small random "images" of 3 prototypes plus noise. */
    private static LabelledImages toyImages() {
        Nd4j.getRandom().setSeed(1);
        INDArray protos = Nd4j.rand(3, 1, 12, 12);
        INDArray x = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 64, 1, 12, 12);
        int[] labels = new int[64];
        for (int i = 0; i < 64; i++) {
            labels[i] = i % 3;
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).assign(protos.get(
                    org.nd4j.linalg.indexing.NDArrayIndex.point(i % 3)).add(Nd4j.rand(1, 12, 12).mul(0.2)));
        }
        return new LabelledImages(x, labels, 3);
    }

    private static SimClr simclr() {
        return new SimClr.Builder().backbone(new SmallCnn(12, 12, 1)).temperature(0.3)
                .updater(new Adam(3e-3)).seed(5).build();
    }

    @Test
    void configurationHasBackboneProjectorAndLoss() {
        ComputationGraphConfiguration conf = simclr().configuration();
        assertTrue(conf.getVertices().containsKey("backbone_conv1"));
        assertTrue(conf.getVertices().containsKey("projector_fc2"));
        NtXentLoss loss = (NtXentLoss) layerOf(conf, SimClr.LOSS);
        assertEquals(0.3, loss.getTemperature());
        assertEquals(128, loss.getNIn());
        assertEquals("backbone_pool", simclr().backboneOutput());
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
    }

    @Test
    void trainsWithPlainFitOnTwoViewBatchesAndLossFalls() {
        TwoViewIterator it = TwoViewIterator.builder(toyImages()).batchSize(16)
                .pipeline(AugmentationPipeline.builder().randomResizedCrop(12, 0.6, 1.0).horizontalFlip(0.5).build())
                .seed(3).build();
        ComputationGraph g = simclr().init();
        DataSet first = it.next();
        double before = g.score(first);
        for (int epoch = 0; epoch < 6; epoch++) {
            g.fit(it);
        }
        double after = g.score(first);
        assertFalse(Double.isNaN(after));
        assertTrue(after < before, "NT-Xent should fall: " + before + " -> " + after);
    }

    @Test
    void saveRestoreAndBackboneExtraction(@TempDir File dir) throws Exception {
        ComputationGraph g = simclr().init();
        TwoViewIterator it = TwoViewIterator.builder(toyImages()).batchSize(16)
                .pipeline(AugmentationPipeline.identity()).seed(3).build();
        g.fit(it);
        File f = new File(dir, "simclr.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), back.params());
        INDArray x = toyImages().features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8));
        INDArray expected = g.feedForward(x, false).get(simclr().backboneOutput());
        ComputationGraph backbone = BackboneGraph.extract(back, simclr().backbone(), SimClr.BACKBONE_PREFIX);
        assertTrue(expected.equalsWithEps(backbone.outputSingle(x), 1e-5));
    }

    @Test
    void missingBackboneIsAClearError() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> new SimClr.Builder().build());
        assertTrue(e.getMessage().contains("backbone"));
    }
}
