package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code eval} reads back the backbone.zip of a run trained with {@code --width-multiplier} other than 1, and of a run
 * trained with {@code --layers fused} (one vertex per SmallCnn block).
 */
class SavedBackboneWidthTest {

    @Test
    void backbonesOfOtherWidthsAreRecognisedWithTheirWeights(@TempDir Path tmp) throws Exception {
        // 0.3 rounds SmallCnn's 32-64-64-128 channels to 10-19-19-38: no single layer's ratio is exactly 0.3
        // each load builds every known backbone to compare with, so two cases keep the test short
        for (Object[] c : new Object[][] {{"small-cnn", 0.3}, {"resnet18-cifar", 0.5}}) {
            String name = (String) c[0];
            double m = (double) c[1];
            Backbone b = Backbones.byName(name, 28, 28, 1, LayerImplementation.DEFAULT, m);
            ComputationGraph g = new ComputationGraph(BackboneGraph.standalone(b, SslMethod.BACKBONE_PREFIX, 7));
            g.init();
            Path file = tmp.resolve(name + "-" + m + ".zip");
            ModelSerializer.writeModel(g, file.toFile(), false);
            SavedBackbone.tag(file, b);
            SavedBackbone saved = SavedBackbone.load(file, new long[] {1, 1, 28, 28});
            assertEquals(name, saved.backbone().name());
            assertEquals(g.numParams(), saved.graph().numParams(), name + " x " + m);
            assertEquals(g.params(), saved.graph().params(), name + " x " + m + ": the saved weights");
        }
    }

    @Test
    void fusedBackbonesAreRecognisedWithTheirWeights(@TempDir Path tmp) throws Exception {
        Backbone b = Backbones.byName("small-cnn", 28, 28, 1, LayerImplementation.FUSED, 1.0);
        ComputationGraph g = new ComputationGraph(BackboneGraph.standalone(b, SslMethod.BACKBONE_PREFIX, 7));
        g.init();
        Path file = tmp.resolve("fused.zip");
        ModelSerializer.writeModel(g, file.toFile(), false);
        SavedBackbone.tag(file, b);
        SavedBackbone saved = SavedBackbone.load(file, new long[] {1, 1, 28, 28});
        assertEquals("small-cnn", saved.backbone().name());
        assertEquals(LayerImplementation.FUSED, saved.backbone().layers());
        assertEquals(g.params(), saved.graph().params(), "the saved weights");
    }
}
