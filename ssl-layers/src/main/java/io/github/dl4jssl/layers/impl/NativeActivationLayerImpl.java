package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The runtime layer of {@link io.github.dl4jssl.layers.NativeActivationLayer}: a plain ReLU (DL4J's
 * {@link ActivationReLU} with no threshold, cap or slope) as one op per pass without copying the input; any other
 * activation takes DL4J's {@link ActivationLayer} code. In float, where oneDNN loads, the ReLU's backward pass runs
 * oneDNN's eltwise primitive ({@link OneDnnRelu}; libnd4j's {@code relu_bp} took ten times the forward pass). The
 * forward pass stays libnd4j's: oneDNN's maps NaN to 0, where DL4J's (and PyTorch's) keeps it, and training's NaN
 * checks need it kept.
 */
public class NativeActivationLayerImpl extends ActivationLayer {

    private static final ActivationReLU PLAIN_RELU = new ActivationReLU();

    public NativeActivationLayerImpl(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    /** oneDNN's ReLU for the last two input lengths (float; see {@link OneDnn}). */
    private final OneDnnCache<Long, OneDnnRelu> oneDnnPrimitives = new OneDnnCache<>(OneDnnRelu::new);

    /** oneDNN's ReLU for x, or null where libnd4j's ops run. */
    private OneDnnRelu oneDnn(INDArray x) {
        return OneDnn.enabled() && x.dataType() == DataType.FLOAT ? oneDnnPrimitives.get(x.length()) : null;
    }

    /** Whether the backward pass of a plain ReLU of x runs through oneDNN (for tests). */
    boolean usesOneDnn(INDArray x) {
        return plainRelu() && oneDnn(x) != null;
    }

    private boolean plainRelu() {
        return PLAIN_RELU.equals(layerConf().getActivationFn());
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        if (!plainRelu()) {
            return super.activate(training, workspaceMgr);
        }
        assertInputSet(false);
        applyDropOutIfNecessary(training, workspaceMgr);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), 'c');
        // libnd4j's op, not oneDNN's: oneDNN's ReLU maps NaN to 0, which would hide a diverged step from the NaN
        // checks of training (DL4J's ReLU, like PyTorch's, keeps NaN); the forward pass is cheap either way
        Nd4j.exec(new RectifiedLinear(input, out, 0.0));
        return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        if (!plainRelu()) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        assertInputSet(true);
        INDArray epsNext = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        OneDnnRelu dnn = oneDnn(input);
        if (dnn != null) {
            dnn.backward(input, epsilon.castTo(input.dataType()), epsNext, workspaceMgr);
            return new Pair<>(new DefaultGradient(), backpropDropOutIfPresent(epsNext));
        }
        Nd4j.exec(DynamicCustomOp.builder("relu_bp").addInputs(input, epsilon.castTo(input.dataType()))
                .addOutputs(epsNext).addFloatingPointArguments(0.0).build());
        return new Pair<>(new DefaultGradient(), backpropDropOutIfPresent(epsNext));
    }
}
