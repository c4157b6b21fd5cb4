package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.vit.PatchEmbedding;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Runtime layer of {@link PatchEmbedding}: SameDiff's forward pass; when frozen, a backward pass without gradient work. */
public class PatchEmbeddingImpl extends TokenLayerImpl {

    public PatchEmbeddingImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!((PatchEmbedding) layerConf()).isFrozen()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        Gradient g = new DefaultGradient();
        for (String name : paramTable.keySet()) {
            INDArray grad = gradTable.get(name);
            grad.assign(0);
            g.gradientForVariable().put(name, grad);
        }
        return new Pair<>(g, workspaceMgr.create(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape()));
    }
}
