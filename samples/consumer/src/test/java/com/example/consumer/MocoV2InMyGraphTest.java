package com.example.consumer;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.listeners.EmaScope;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.KeyQueueListener;
import io.github.dl4jssl.listeners.TargetBranch;
import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.io.File;
import java.util.function.BiFunction;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What a user of the published artifacts writes: a MoCo v2 graph (He et al. 2020; Chen et al. 2020) assembled
 * in the user's own DL4J GraphBuilder from DL4J-SSL's pieces (a backbone, TargetBranch for the momentum key
 * encoder, InfoNceLoss with a key queue), trained with plain graph.fit and DL4J-SSL's listeners, saved and
 * restored with ModelSerializer.
 */
class MocoV2InMyGraphTest {

    private static final int PAIRS = 8;
    private static final int QUEUE = 32;

    /** Query encoder = backbone + MoCo v2 MLP head; appends it and returns the head's output name. */
    private static String encoder(ComputationGraphConfiguration.GraphBuilder g, String input, Backbone backbone) {
        String features = backbone.appendTo(g, input, "backbone_");
        g.addLayer("projector_fc1", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), features);
        g.addLayer("projector_fc2", new DenseLayer.Builder().nOut(16).activation(Activation.IDENTITY).build(), "projector_fc1");
        return "projector_fc2";
    }

    static ComputationGraph mocoV2() {
        Backbone backbone = new SmallCnn(12, 12, 1);
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Nesterovs(0.03, 0.9)).graphBuilder()
                .addInputs("input").setInputTypes(backbone.inputType());
        String q = encoder(g, "input", backbone);
        BiFunction<ComputationGraphConfiguration.GraphBuilder, String, String> online = (gb, in) -> encoder(gb, in, backbone);
        String k = TargetBranch.append(g, "input", "target_", online);       // frozen train-mode copy
        g.addVertex("qk", new MergeVertex(), q, k);
        g.addLayer("loss", new InfoNceLoss.Builder().temperature(0.2).queueSize(QUEUE).batchNegatives(false).build(), "qk");
        ComputationGraph graph = new ComputationGraph(g.setOutputs("loss").build());
        graph.init();
        return graph;
    }

    /** Rows i and i + PAIRS are two noisy views of one random image. */
    static DataSet twoViews(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray images = Nd4j.rand(PAIRS, 1, 12, 12);
        INDArray views = Nd4j.concat(0, images.add(Nd4j.randn(PAIRS, 1, 12, 12).mul(0.05)),
                images.add(Nd4j.randn(PAIRS, 1, 12, 12).mul(0.05)));
        return new DataSet(views, Nd4j.zeros(2 * PAIRS, 1));
    }

    @Test
    void trainsSavesAndRestoresAMocoV2GraphBuiltInMyOwnGraphBuilder(@TempDir File dir) throws Exception {
        ComputationGraph graph = mocoV2();
        EmaTargetListener ema = EmaTargetListener.builder().scope(EmaScope.encoder()).momentum(0.99).build();
        ema.initTargetFromOnline(graph);                                     // key encoder := query encoder
        graph.setListeners(ema, KeyQueueListener.builder().lossLayer("loss").build());

        INDArray onlineBefore = graph.getLayer("projector_fc2").getParam("W").dup();
        INDArray targetBefore = graph.getLayer("target_projector_fc2").getParam("W").dup();
        assertEquals(onlineBefore, targetBefore, "initTargetFromOnline copies the query encoder into the key encoder");
        for (int i = 0; i < 4; i++) {
            graph.fit(twoViews(i));
        }
        INDArray online = graph.getLayer("projector_fc2").getParam("W");
        INDArray target = graph.getLayer("target_projector_fc2").getParam("W");
        assertNotEquals(onlineBefore, online, "the optimizer trains the query encoder");
        assertNotEquals(targetBefore, target, "EmaTargetListener moves the key encoder");
        assertNotEquals(online, target, "the key encoder lags behind the query encoder (m = 0.99)");
        assertEquals(4 * PAIRS % QUEUE, graph.getLayer("loss").getParam(InfoNceLoss.QUEUE_PTR).getInt(0),
                "KeyQueueListener enqueued 4 batches of " + PAIRS + " keys");
        INDArray queue = graph.getLayer("loss").getParam(InfoNceLoss.QUEUE);
        assertEquals(1.0, queue.getRow(0).norm2Number().doubleValue(), 1e-4, "enqueued keys are L2-normalised");

        File file = new File(dir, "moco.zip");
        ModelSerializer.writeModel(graph, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        assertEquals(graph.params(), restored.params(), "weights, key encoder and queue come back");
        assertEquals(graph.getConfiguration().toJson(), restored.getConfiguration().toJson());

        // the restored graph continues exactly like the original
        DataSet next = twoViews(99);
        graph.fit(next);
        restored.setListeners(EmaTargetListener.builder().scope(EmaScope.encoder()).momentum(0.99).build(),
                KeyQueueListener.builder().lossLayer("loss").build());
        restored.fit(next);
        assertTrue(graph.params().equalsWithEps(restored.params(), 1e-5), "a restored graph trains on identically");
    }
}
