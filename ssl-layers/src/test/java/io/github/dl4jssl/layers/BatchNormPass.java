package io.github.dl4jssl.layers;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One training-mode forward and backward pass of the layer {@code "bn"} of a graph, alone and without workspaces: what
 * the batch-normalisation tests compare with the formulas written out by hand.
 */
record BatchNormPass(Layer layer, INDArray output, Gradient gradient, INDArray inputGradient) {

    /** Runs layer "bn" of {@code net} forward on {@code input} in training mode, then backward with output gradient dy. */
    static BatchNormPass run(ComputationGraph net, INDArray input, INDArray dy) {
        net.initGradientsView();
        Layer bn = net.getLayer("bn");
        LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
        bn.setInput(input, mgr);
        INDArray y = bn.activate(true, mgr);
        Pair<Gradient, INDArray> back = bn.backpropGradient(dy, mgr);
        return new BatchNormPass(bn, y, back.getFirst(), back.getSecond());
    }
}
