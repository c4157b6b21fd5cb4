package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

/**
 * The runtime layer of a loss whose score and input gradient are written out in plain ND4J operations instead of
 * being run through the loss's SameDiff graph (which stays the tested reference). The score is computed once per
 * training step: DL4J's {@code ComputationGraph.computeGradientAndScore} asks the output layer for its gradient and
 * then, separately, for its score of the same input, so the loss found while computing the gradient is kept until
 * the next input is set. The layer's parameters, if any (InfoNCE's queue), get zero gradients: the loss does not
 * train them.
 */
public abstract class HandDerivedLossLayer extends ValidatingSameDiffOutputLayer {

    /** The summed loss of the current input, found by the last backward pass; NaN if none yet. */
    private double lossOfInput = Double.NaN;
    /** How many times {@link #computeScore} had to compute the loss rather than reuse it (for the tests). */
    int scoresComputed;

    protected HandDerivedLossLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** The summed loss of the current input ({@code input}, cast to the layer's data type). */
    protected abstract double loss();

    /** The summed loss of the current input and its gradient with respect to that input. */
    protected abstract LossAndGradient lossAndGradient();

    /** The summed loss of a batch and dL/dinput. */
    protected record LossAndGradient(double loss, INDArray inputGradient) {
    }

    /** Columns [from, to) of the matrix m, a view: the halves of a merged pair input. */
    protected static INDArray columns(INDArray m, long from, long to) {
        return m.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to));
    }

    @Override
    public void setInput(INDArray input, LayerWorkspaceMgr workspaceMgr) {
        lossOfInput = Double.NaN;
        super.setInput(input, workspaceMgr);
    }

    @Override
    public void clear() {
        lossOfInput = Double.NaN;
        super.clear();
    }

    @Override
    public double computeScore(double fullNetRegTerm, boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        double loss = lossOfInput;
        if (Double.isNaN(loss)) {
            loss = loss();
            scoresComputed++;
        }
        return (loss + fullNetRegTerm) / input.size(0);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        LossAndGradient r = lossAndGradient();
        lossOfInput = r.loss();
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, r.inputGradient().shape(), 'c');
        out.assign(r.inputGradient());
        Gradient gradient = new DefaultGradient();
        if (gradTable != null) {
            for (Map.Entry<String, INDArray> e : gradTable.entrySet()) {
                gradient.setGradientFor(e.getKey(), e.getValue().assign(0));
            }
        }
        return new Pair<>(gradient, out);
    }
}
