package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;

/**
 * The network-wide training settings of a method (seed, data type, optimizer, weight decay), as collected by
 * {@link MethodBuilder}, and the DL4J global configuration made from them.
 *
 * @param seed        the random seed of the parameter initialisation
 * @param dataType    the network's data type
 * @param updater     the optimizer (with its learning-rate schedule, if any)
 * @param weightDecay the weight decay coefficient; 0 (or less) leaves weight decay off. With {@link Lars} it is
 *                    LARS's own decay, inside the trust ratio (so {@code updater}'s must be this one); with any other
 *                    optimizer DL4J's decoupled {@code WeightDecay}, scaled by the current learning rate
 */
record GlobalSettings(long seed, DataType dataType, IUpdater updater, double weightDecay) {

    /**
     * A new global configuration builder: seed, data type, updater, and weight decay: LARS's trust ratio and decay
     * on the weights for {@link Lars}, otherwise DL4J's weight decay if it is positive.
     */
    NeuralNetConfiguration.Builder globalConfiguration() {
        NeuralNetConfiguration.Builder global = new NeuralNetConfiguration.Builder().seed(seed).dataType(dataType);
        if (updater instanceof Lars lars) {
            return lars.configure(global);
        }
        global.updater(updater);
        if (weightDecay > 0) {
            global.weightDecay(weightDecay);
        }
        return global;
    }

    /**
     * The graph builder on the global configuration, with the image input {@link SslMethod#INPUT} of the backbone;
     * its {@code build()} lists each layer's weight decay once ({@link DistinctRegularizations}).
     */
    ComputationGraphConfiguration.GraphBuilder graphBuilder(Backbone backbone) {
        ComputationGraphConfiguration.GraphBuilder graph = new ComputationGraphConfiguration.GraphBuilder(globalConfiguration()) {
            @Override
            public ComputationGraphConfiguration build() {
                return DistinctRegularizations.apply(super.build());
            }
        };
        return graph.addInputs(SslMethod.INPUT).setInputTypes(backbone.inputType());
    }
}
