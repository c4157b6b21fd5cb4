package io.github.dl4jssl.layers.optim;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.learning.GradientUpdater;

import java.util.Collections;
import java.util.Map;

/**
 * The momentum step of LARS ({@link Lars}), on the gradients that {@link LarsTrustRatio} has already scaled per
 * parameter tensor (biases and BatchNorm parameters: the raw gradients):
 * <pre>
 *   mu := m * mu + g
 *   update = lr * mu          (DL4J then subtracts the update: w := w - lr * mu)
 * </pre>
 * as {@code mu.mul_(momentum).add_(dp); p.add_(mu, alpha=-lr)} in MoCo v3's and Barlow Twins' LARS. Element-wise,
 * so it may run on the view of a whole DL4J updater block. State: the momentum buffer {@code mu}, a view of the
 * network's updater state, which {@code ModelSerializer} saves and restores with the updater.
 */
public final class LarsUpdater implements GradientUpdater<Lars> {

    /** The key of the momentum buffer in {@link #getState()}. */
    public static final String MOMENTUM_BUFFER = "mu";

    private final Lars config;
    private INDArray mu;

    public LarsUpdater(Lars config) {
        this.config = config;
    }

    @Override
    public Lars getConfig() { return config; }

    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        if (stateMap == null || !stateMap.containsKey(MOMENTUM_BUFFER) || stateMap.size() != 1) {
            throw new IllegalStateException("LarsUpdater state must hold exactly the momentum buffer '" + MOMENTUM_BUFFER
                    + "', got " + (stateMap == null ? null : stateMap.keySet()));
        }
        mu = stateMap.get(MOMENTUM_BUFFER);
        if (initialize) {
            mu.assign(0);
        }
    }

    @Override
    public Map<String, INDArray> getState() { return Collections.singletonMap(MOMENTUM_BUFFER, mu); }

    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        if (!viewArray.isRowVectorOrScalar()) {
            throw new IllegalArgumentException("LarsUpdater state view must be a row vector, got shape "
                    + java.util.Arrays.toString(viewArray.shape()));
        }
        if (initialize) {
            viewArray.assign(0);
        }
        mu = Shape.newShapeNoCopy(viewArray, gradientShape, gradientOrder == 'f');
        if (mu == null) {
            throw new IllegalStateException("could not reshape the LarsUpdater state view to the gradient shape "
                    + java.util.Arrays.toString(gradientShape));
        }
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (mu == null) {
            throw new IllegalStateException("LarsUpdater has no state: DL4J calls setStateViewArray (or setState) first");
        }
        mu.muli(config.getMomentum()).addi(gradient);
        gradient.assign(mu).muli(config.getLearningRate(iteration, epoch));
    }
}
