package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runtime layer of the ViT layers ({@code layers.vit.TokenLayer}): SameDiff's forward pass, SameDiff's backward pass divided by the spurious factor 2. */
public class TokenLayerImpl extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {

    public TokenLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray> p = super.backpropGradient(epsilon, workspaceMgr);
        for (INDArray g : p.getFirst().gradientForVariable().values()) {
            g.muli(0.5);
        }
        if (p.getSecond() != null) {
            p.getSecond().muli(0.5);
        }
        return p;
    }
}
