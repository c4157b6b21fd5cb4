package io.github.dl4jssl.layers.impl;

import org.deeplearning4j.nn.api.ParamInitializer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** What a DL4J layer configuration's {@code instantiate} does with a new runtime layer, shared by the native layers. */
public final class LayerWiring {

    private LayerWiring() {
    }

    /** Sets listeners, index, the parameter view and the initialised parameter table of {@code layer}; returns it. */
    public static <L extends org.deeplearning4j.nn.api.Layer> L wire(L layer, NeuralNetConfiguration conf, ParamInitializer initializer,
                                                   Collection<TrainingListener> listeners, int index,
                                                   INDArray paramsView, boolean initializeParams) {
        layer.setListeners(listeners);
        layer.setIndex(index);
        layer.setParamsViewArray(paramsView);
        layer.setParamTable(initializer.init(conf, paramsView, initializeParams));
        layer.setConf(conf);
        return layer;
    }
}
