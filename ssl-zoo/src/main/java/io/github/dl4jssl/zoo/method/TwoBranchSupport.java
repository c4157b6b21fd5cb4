package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.PredictorHead;
import io.github.dl4jssl.layers.ProjectionHead;
import io.github.dl4jssl.listeners.MomentumSchedule;
import io.github.dl4jssl.zoo.backbone.Backbone;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;

import java.util.function.LongFunction;

/** Shared plumbing of the two-branch (online / target or online / stop-gradient) methods of this package. */
final class TwoBranchSupport {

    private TwoBranchSupport() {
    }

    /** The name of the vertex the backbone outputs its features from, when appended with {@code backbone_}. */
    static String backboneOutput(Backbone backbone) {
        return backbone.appendTo(new NeuralNetConfiguration.Builder().graphBuilder().addInputs(SslMethod.INPUT),
                SslMethod.INPUT, SslMethod.BACKBONE_PREFIX);
    }

    static void requireMatchingSizes(String method, ProjectionHead projector, PredictorHead predictor) {
        if (predictor.getOutputSize() != projector.getOutputSize()) {
            throw new IllegalArgumentException(method + ": the predictor's output size (" + predictor.getOutputSize()
                    + ") must equal the projector's output size (" + projector.getOutputSize()
                    + "), since predictions are compared with projections");
        }
    }

    static double checkMomentum(double m, String what) {
        MomentumSchedule.checkMomentum(m, what);
        return m;
    }

    static double checkTemperature(String method, double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException(method + " temperature must be a positive finite number, got " + temperature);
        }
        return temperature;
    }

    /** The schedule for a planned number of iterations: cosine from m0 to 1 (BYOL, MoCo v3) or constant m0. */
    static LongFunction<MomentumSchedule> schedule(double m0, boolean cosine) {
        return cosine ? total -> MomentumSchedule.cosine(m0, total) : total -> MomentumSchedule.constant(m0);
    }
}
