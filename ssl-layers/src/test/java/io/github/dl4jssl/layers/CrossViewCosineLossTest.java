package io.github.dl4jssl.layers;

import io.github.dl4jssl.layers.impl.CrossViewCosineLossImpl;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static io.github.dl4jssl.layers.PairLossTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * BYOL's and SimSiam's losses run as {@link CrossViewCosineLossImpl} by default, which gives what their SameDiff graph
 * (the reference) gives; the switch between the two survives JSON. Each loss's own test class checks its values.
 */
@ExtendWith(DoublePrecision.class)
class CrossViewCosineLossTest {

    private static CrossViewCosineLoss loss(String name, boolean sameDiff) {
        return switch (name) {
            case "byol" -> new ByolLoss.Builder().sameDiff(sameDiff).build();
            case "simsiam" -> new NegativeCosineLoss.Builder().sameDiff(sameDiff).build();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"byol", "simsiam"})
    void plainNd4jRuntimeEqualsTheSameDiffGraph(String name) {
        assertRuntimeEqualsSameDiff(loss(name, false), CrossViewCosineLossImpl.class, name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"byol", "simsiam"})
    void theSameDiffReferencePassesTheGradientCheckToo(String name) {
        assertTrue(gradientCheckAgainstConstantTargets(loss(name, true)), name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"byol", "simsiam"})
    void sameDiffFlagSurvivesJson(String name) {
        for (boolean sameDiff : new boolean[]{false, true}) {
            ComputationGraph g = onlineVsConstant(5, 4, loss(name, sameDiff), null);
            CrossViewCosineLoss back = TestGraphs.jsonRoundTripped(g.getConfiguration(), "loss");
            assertEquals(sameDiff, back.isSameDiff(), name);
        }
    }
}
