package io.github.dl4jssl.ui;

import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.listeners.monitor.GradientMagnitudeMonitor;
import io.github.dl4jssl.listeners.monitor.KnnMonitor;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A tiny training run for the tests: a 4-8-6-2 dense graph (blocks "backbone" = {@code backbone_*}, "head" =
 * {@code head_*}), the three research monitors (gradient every iteration, collapse and kNN every epoch on the
 * {@code backbone_fc2} output) and a {@link MonitorStatsPublisher} after them.
 */
final class TinyRun {

    final ComputationGraph graph;
    final GradientMagnitudeMonitor gradients;
    final CollapseMonitor collapse;
    final KnnMonitor knn;
    final MonitorStatsPublisher publisher;
    private final ListDataSetIterator<DataSet> data;

    TinyRun(StatsStorageRouter router, String sessionId) {
        var conf = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.05)).graphBuilder()
                .addInputs("in")
                .addLayer("backbone_fc1", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("backbone_fc2", new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.TANH).build(), "backbone_fc1")
                .addLayer("head_out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(6).nOut(2)
                        .activation(Activation.IDENTITY).build(), "backbone_fc2")
                .setOutputs("head_out").build();
        graph = new ComputationGraph(conf);
        graph.init();
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 32, 4);
        data = new ListDataSetIterator<>(new DataSet(x, Nd4j.randn(DataType.FLOAT, 32, 2)).asList(), 8);
        int[] labels = new int[32];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = x.getDouble(i, 0) > 0 ? 1 : 0;
        }
        gradients = GradientMagnitudeMonitor.builder().everyIterations(1).window(5).block("backbone", "backbone_")
                .block("head", "head_").build();
        collapse = CollapseMonitor.builder().probe(x).vertices("backbone_fc2").everyEpochs(1).build();
        knn = KnnMonitor.builder().vertex("backbone_fc2").bank(x, labels).query(x, labels).k(5).everyEpochs(1).build();
        publisher = new MonitorStatsPublisher(router, sessionId, "tiny run", gradients, collapse, knn);
        graph.setListeners(gradients, collapse, knn, publisher);
    }

    /** Trains {@code epochs} epochs of 4 iterations each. */
    void fit(int epochs) {
        graph.fit(data, epochs);
    }
}
