package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime layer of {@link io.github.dl4jssl.layers.TrainModeFrozenLayer}: a DL4J {@link org.deeplearning4j.nn.layers.FrozenLayer} (no update, backprop
 * skipped by the graph) whose forward pass honours the {@code training} flag.
 */
public class TrainModeFrozenLayerImpl extends org.deeplearning4j.nn.layers.FrozenLayer {
    private static final long serialVersionUID = 1L;

    /** @param insideLayer the wrapped runtime layer */
    public TrainModeFrozenLayerImpl(org.deeplearning4j.nn.api.Layer insideLayer) {
        super(insideLayer);
        if (insideLayer instanceof NativeConvolutionLayerImpl) {
            ((NativeConvolutionLayerImpl) insideLayer).setForwardOnly(true); // never backpropagated: keep no columns
        }
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        return underlying.activate(training, workspaceMgr);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        return underlying.activate(input, training, workspaceMgr);
    }
}
