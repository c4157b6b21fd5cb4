package io.github.dl4jssl.zoo.method;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Works around a DL4J 1.0.0-M2.1 bug: {@code ComputationGraphConfiguration.GraphBuilder.build()} configures each
 * layer twice with the network-wide regularizations and appends every kind but L1 and L2 a second time, so a
 * network-wide {@code weightDecay(wd)} is applied twice per step (2 wd). Removes the repeated entries (the same
 * instance listed twice) from every layer's weight and bias regularizations.
 */
final class DistinctRegularizations {

    private DistinctRegularizations() {
    }

    /** {@code conf} with each layer's repeated regularization entries removed (in place). */
    static ComputationGraphConfiguration apply(ComputationGraphConfiguration conf) {
        for (GraphVertex v : conf.getVertices().values()) {
            if (v instanceof LayerVertex lv && lv.getLayerConf() != null) {
                Layer layer = lv.getLayerConf().getLayer();
                if (layer instanceof BaseLayer b) {
                    b.setRegularization(distinct(b.getRegularization()));
                    b.setRegularizationBias(distinct(b.getRegularizationBias()));
                } else if (layer instanceof AbstractSameDiffLayer s) {
                    s.setRegularization(distinct(s.getRegularization()));
                    s.setRegularizationBias(distinct(s.getRegularizationBias()));
                }
            }
        }
        return conf;
    }

    private static List<Regularization> distinct(List<Regularization> list) {
        if (list == null) {
            return null;
        }
        Set<Regularization> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Regularization> out = new ArrayList<>();
        for (Regularization r : list) {
            if (seen.add(r)) {
                out.add(r);
            }
        }
        return out;
    }
}
