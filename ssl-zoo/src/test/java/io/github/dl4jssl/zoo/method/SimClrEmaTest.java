package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.MlpHead;
import io.github.dl4jssl.listeners.MomentumSchedule;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;

import java.io.File;
import java.util.List;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

class SimClrEmaTest {

    private static SimClrEma method(SimClrEma.Scope scope, double momentum) {
        return new SimClrEma.Builder().backbone(new SmallCnn(12, 12, 1)).scope(scope).momentum(momentum)
                .projector(MlpHead.projection(128, 64))
                .updater(new Adam(3e-3)).weightDecay(1e-3).seed(5).build();
    }

    @Test
    void fullEncoderWiringAndJsonRoundTrip() {
        SimClrEma m = method(SimClrEma.Scope.FULL_ENCODER, 0.99);
        ComputationGraphConfiguration conf = jsonRoundTripped(m);
        assertEquals("simclr-ema", m.name());
        assertEquals(List.of("projector_fc2", "target_projector_fc2"), conf.getVertexInputs().get(SimClrEma.PAIR));
        assertEquals(List.of(SslMethod.INPUT), conf.getVertexInputs().get("target_backbone_conv1"));
        assertEquals(List.of("target_backbone_pool"), conf.getVertexInputs().get("target_projector_fc1"));
        InfoNceLoss loss = (InfoNceLoss) layerOf(conf, SimClrEma.LOSS);
        assertEquals(0.5, loss.getTemperature());
        assertEquals(0, loss.getQueueSize());
        assertTrue(loss.isBatchNegatives() && loss.isSymmetric());
        assertFalse(loss.isScaleByTwoTemperature());
        SimClrEma defaults = new SimClrEma.Builder().backbone(new SmallCnn(12, 12, 1)).build();
        assertEquals(SimClrEma.Scope.FULL_ENCODER, defaults.scope());
        assertEquals(0.5, defaults.temperature());
        assertEquals(0.99, defaults.momentumSchedule(100).momentum(0));
        assertEquals(0.99, defaults.momentumSchedule(100).momentum(99));
        SimClrEma cosine = new SimClrEma.Builder().backbone(new SmallCnn(12, 12, 1)).cosineMomentum(true).build();
        assertEquals(1.0, cosine.momentumSchedule(100).momentum(100));
        SimClrEma custom = new SimClrEma.Builder().backbone(new SmallCnn(12, 12, 1))
                .momentumSchedule(total -> MomentumSchedule.constant(0.9)).build();
        assertEquals(0.9, custom.emaListener(10).getSchedule().momentum(3));
    }

    @Test
    void projectorOnlyHasNoTargetBackboneAndReadsTheOnlineBackboneOutput() {
        SimClrEma m = method(SimClrEma.Scope.PROJECTOR_ONLY, 0.99);
        ComputationGraphConfiguration conf = jsonRoundTripped(m);
        assertEquals("simclr-ema-projector", m.name());
        assertFalse(conf.getVertices().keySet().stream().anyMatch(n -> n.startsWith("target_backbone")),
                "the backbone must run once per view: " + conf.getVertices().keySet());
        assertEquals(List.of(m.backboneOutput()), conf.getVertexInputs().get("target_projector_fc1"));
        assertEquals("backbone_pool", m.backboneOutput());
        assertEquals(List.of("projector_fc2", "target_projector_fc2"), conf.getVertexInputs().get(SimClrEma.PAIR));
        ComputationGraph g = m.init();
        // target_projector only: fc1 W (no bias); bn1 gamma, beta, mean, log10stdev; fc2 W, b
        assertEquals(7, assertTargetEqualsOnline(g));
    }

    @Test
    void oneIterationIsExactEmaAndTargetGetsNoGradientForBothScopes() {
        for (SimClrEma.Scope scope : SimClrEma.Scope.values()) {
            // STAGES: only the final stage (conv4, bn4) is an EMA; the other target layers copy the online ones
            assertOneExactEmaStep(method(scope, 0.7), 0.7, layer -> scope != SimClrEma.Scope.STAGES
                    || layer.startsWith("target_backbone_conv4") || layer.startsWith("target_backbone_bn4") ? 0.7 : 0.0);
        }
    }

    @Test
    void stagesScopeUsesTheFullTargetEncoderAndNamesItsStages() {
        SimClrEma m = method(SimClrEma.Scope.STAGES, 0.9);
        assertEquals("simclr-ema-stages", m.name());
        assertEquals(List.of("conv4"), m.emaStages(), "the default SmallCnn's last (fused) block");
        assertEquals(List.of(SslMethod.INPUT), m.configuration().getVertexInputs().get("target_backbone_conv1"));
        SimClrEma custom = new SimClrEma.Builder().backbone(new SmallCnn(12, 12, 1)).scope(SimClrEma.Scope.STAGES)
                .emaStages("conv3", "bn3", "conv4", "bn4").build();
        assertEquals(List.of("conv3", "bn3", "conv4", "bn4"), custom.emaStages());
        assertThrows(IllegalArgumentException.class, () -> new SimClrEma.Builder().emaStages());
        assertEquals("simclr-ema-stages", SslMethods.create("simclr-ema-stages", new SmallCnn(12, 12, 1),
                SslMethods.Options.defaults(1)).name());
    }

    @Test
    void bothScopesTrainSaveRestoreAndExtractBackbone(@TempDir File dir) throws Exception {
        for (SimClrEma.Scope scope : SimClrEma.Scope.values()) {
            SimClrEma m = method(scope, 0.9);
            ComputationGraph g = assertLossFalls(m, augmented(16), 2, true);

            File sub = new File(dir, scope.name());
            assertTrue(sub.mkdirs());
            assertSavedBackboneMatches(m, g, sub);
        }
    }
}
