package io.github.dl4jssl.listeners.probe;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test instrument: identity activation that counts forward and backward calls per key, to see
 * whether DL4J runs the backward pass through a layer (probe for the MoCo / BYOL target branch,
 * He et al. 2020, Grill et al. 2020).
 */
public class CountingActivation extends BaseActivationFunction {
    private static final long serialVersionUID = 1L;
    static final Map<String, AtomicInteger> FORWARD = new ConcurrentHashMap<>();
    static final Map<String, AtomicInteger> BACKWARD = new ConcurrentHashMap<>();

    private String key;

    public CountingActivation() {
        this("default");
    }

    public CountingActivation(String key) {
        this.key = key;
    }

    public String getKey() { return key; }

    public void setKey(String key) { this.key = key; }

    static void reset() {
        FORWARD.clear();
        BACKWARD.clear();
    }

    static int forward(String key) {
        AtomicInteger c = FORWARD.get(key);
        return c == null ? 0 : c.get();
    }

    static int backward(String key) {
        AtomicInteger c = BACKWARD.get(key);
        return c == null ? 0 : c.get();
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        FORWARD.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return in;
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        BACKWARD.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
        return new Pair<>(epsilon, null);
    }

    @Override
    public String toString() { return "counting(" + key + ")"; }
}
