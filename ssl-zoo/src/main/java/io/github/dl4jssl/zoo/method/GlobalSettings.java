package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The network-wide training settings of a method (seed, data type, optimizer, decoupled weight decay), as
 * collected by {@link MethodBuilder}, and the DL4J global configuration made from them.
 *
 * @param seed        the random seed of the parameter initialisation
 * @param dataType    the network's data type
 * @param updater     the optimizer
 * @param weightDecay the weight decay coefficient; 0 (or less) leaves weight decay off
 */
record GlobalSettings(long seed, DataType dataType, IUpdater updater, double weightDecay) {

    /** A new global configuration builder: seed, data type, updater, and weight decay if it is positive. */
    NeuralNetConfiguration.Builder globalConfiguration() {
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(dataType).updater(updater);
        if (weightDecay > 0) {
            global.weightDecay(weightDecay);
        }
        return global;
    }

    /** The graph builder on the global configuration, with the image input {@link SslMethod#INPUT} of the backbone. */
    ComputationGraphConfiguration.GraphBuilder graphBuilder(Backbone backbone) {
        return globalConfiguration().graphBuilder().addInputs(SslMethod.INPUT).setInputTypes(backbone.inputType());
    }
}
