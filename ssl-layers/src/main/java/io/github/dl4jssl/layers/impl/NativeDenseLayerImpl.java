package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.exception.DL4JInvalidInputException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The runtime layer of {@link io.github.dl4jssl.layers.NativeDenseLayer}: DL4J's dense layer with its products as
 * {@link OneDnnGemm} calls with transpose flags (y = x W + b; dL/dW = x^T delta; dL/dx = delta W^T, written in c
 * order), and without recomputing the forward product in the backward pass when the activation is the identity
 * (delta is then the output gradient itself). With layer normalisation, weight noise or a mask array, DL4J's code.
 */
public class NativeDenseLayerImpl extends DenseLayer {

    public NativeDenseLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** Whether this pass takes the gemm path (else DL4J's code, which handles these features). */
    boolean plainPath() {
        return !hasLayerNorm() && layerConf().getWeightNoise() == null && maskArray == null;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                            LayerWorkspaceMgr workspaceMgr) {
        if (!plainPath()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
        }
        assertInputSet(forBackprop);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        INDArray x = checkedInput(w);
        INDArray z = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, w.dataType(), x.size(0), w.size(1));
        OneDnnGemm.gemm(x, w, z, false, false, 1.0, 0.0);
        if (hasBias()) {
            z.addiRowVector(getParam(DefaultParamInitializer.BIAS_KEY));
        }
        return new Pair<>(z, z);
    }

    /** The input in the parameters' type, checked as DL4J checks it (rank 2, nIn columns). */
    private INDArray checkedInput(INDArray w) {
        if (input.rank() != 2) {
            throw new DL4JInvalidInputException("Input that is not a matrix; expected matrix (rank 2), got rank "
                    + input.rank() + " array with shape " + Arrays.toString(input.shape())
                    + ". Missing preprocessor or wrong input type? " + layerId());
        }
        if (input.columns() != w.rows()) {
            throw new DL4JInvalidInputException("Input size (" + input.columns() + " columns; shape = "
                    + Arrays.toString(input.shape()) + ") is invalid: does not match layer input size (layer # inputs = "
                    + w.size(0) + ") " + layerId());
        }
        return input.castTo(w.dataType());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!plainPath()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        INDArray delta = epsilon.castTo(w.dataType());
        if (!(layerConf().getActivationFn() instanceof ActivationIdentity)) {
            INDArray z = preOutputWithPreNorm(true, true, workspaceMgr).getFirst();
            delta = layerConf().getActivationFn().backprop(z, delta).getFirst();
        }
        Gradient gradient = new DefaultGradient();
        if (hasBias()) {
            INDArray biasGrad = gradientViews.get(DefaultParamInitializer.BIAS_KEY);
            delta.sum(biasGrad, 0);
            gradient.gradientForVariable().put(DefaultParamInitializer.BIAS_KEY, biasGrad);
        }
        INDArray weightGrad = gradientViews.get(DefaultParamInitializer.WEIGHT_KEY);
        OneDnnGemm.gemm(input.castTo(weightGrad.dataType()), delta, weightGrad, true, false, 1.0, 0.0);
        gradient.gradientForVariable().put(DefaultParamInitializer.WEIGHT_KEY, weightGrad);
        INDArray epsilonNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, delta.dataType(),
                new long[]{delta.size(0), w.size(0)}, 'c');
        OneDnnGemm.gemm(delta, w, epsilonNext, false, true, 1.0, 0.0);
        weightNoiseParams.clear();
        return new Pair<>(gradient, backpropDropOutIfPresent(epsilonNext));
    }
}
