package io.github.dl4jssl.layers.optim;

import io.github.dl4jssl.layers.DoublePrecision;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pins the DL4J 1.0.0-M2.1 behaviour {@link Lars} is built on: an updater block spans several layers (so an
 * updater's view is no single tensor), while regularizations are per tensor, on weights only.
 */
@ExtendWith(DoublePrecision.class)
class LarsDl4jProbeTest {

    private static Set<String> names(UpdaterBlock b) {
        return b.getLayersAndVariablesInBlock().stream()
                .map(p -> p.getLayer().getConfig().getLayerName() + "_" + p.getParamName()).collect(Collectors.toSet());
    }

    @Test
    void oneUpdaterBlockSpansTensorsOfSeveralLayers() {
        ComputationGraph g = LarsNetwork.graph(new Lars());
        List<UpdaterBlock> blocks = ((BaseMultiLayerUpdater<?>) g.getUpdater()).getUpdaterBlocks();
        UpdaterBlock first = blocks.get(0);
        // equal Lars configurations: conv W and b and BN gamma and beta share one block, one flattened gradient view
        assertTrue(names(first).containsAll(Set.of("conv_W", "conv_b", "bn_gamma", "bn_beta")), names(first).toString());
        long tensors = first.getLayersAndVariablesInBlock().size();
        assertEquals(first.getParamOffsetEnd() - first.getParamOffsetStart(),
                first.getLayersAndVariablesInBlock().stream().mapToLong(p -> p.getParamView().length()).sum());
        assertTrue(tensors >= 4);
        assertTrue(first.getGradientUpdater() instanceof LarsUpdater);
    }

    @Test
    void regularizationIsPerTensorOnWeightsOnlyNotOnBiasesOrBatchNorm() {
        ComputationGraph g = LarsNetwork.graph(new Lars());
        for (UpdaterBlock b : ((BaseMultiLayerUpdater<?>) g.getUpdater()).getUpdaterBlocks()) {
            for (UpdaterBlock.ParamState p : b.getLayersAndVariablesInBlock()) {
                String key = p.getLayer().getConfig().getLayerName() + "_" + p.getParamName();
                List<Regularization> r = p.getLayer().getConfig().getRegularizationByParam(p.getParamName());
                if (LarsNetwork.WEIGHTS.contains(key)) {
                    assertEquals(List.of(new Lars().trustRatio()), r, key);
                    // the view DL4J hands the regularization is exactly this tensor's parameters
                    assertEquals(g.getParam(key).length(), p.getParamView().length(), key);
                    p.getParamView().assign(0.25);
                    assertEquals(0.25, g.getParam(key).minNumber().doubleValue(), key);
                    assertEquals(0.25, g.getParam(key).maxNumber().doubleValue(), key);
                } else {
                    assertTrue(r == null || r.isEmpty(), key + ": " + r);
                }
            }
        }
    }

    private static List<Regularization> denseWeightRegularization(NeuralNetConfiguration.Builder global) {
        ComputationGraphConfiguration c = global.graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(3))
                .addLayer("dense", new DenseLayer.Builder().nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nOut(2).build(), "dense").setOutputs("out").build();
        return ((LayerVertex) c.getVertices().get("dense")).getLayerConf().getLayer().getRegularizationByParam("W");
    }

    /**
     * DL4J configures each graph layer twice with the network-wide regularizations and appends any kind but L1/L2
     * again: DL4J's own weight decay ends up twice (applied twice per step); LARS's trust ratio, an L2 kind, once.
     */
    @Test
    void networkWideWeightDecayIsListedTwicePerLayerButTheTrustRatioOnce() {
        List<Regularization> decay = denseWeightRegularization(new NeuralNetConfiguration.Builder().weightDecay(1e-4));
        assertEquals(2, decay.size(), decay.toString());
        assertTrue(decay.get(0) instanceof WeightDecay && decay.get(0) == decay.get(1), decay.toString());
        Lars lars = Lars.builder().weightDecay(1e-4).build();
        assertEquals(List.of(lars.trustRatio()), denseWeightRegularization(lars.configure(new NeuralNetConfiguration.Builder())));
    }
}
