package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.ResNet18Cifar;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.*;

class SslMethodsTest {

    @Test
    void everyNameGivesThatMethodWithItsOptions() {
        for (String name : SslMethods.NAMES) {
            SslMethod m = SslMethods.create(name, new SmallCnn(12, 12, 1),
                    new SslMethods.Options(new Adam(1e-3), null, 64, 8, 3));
            assertEquals(name, m.name());
            assertNotNull(m.configuration().getVertices().get(SslMethod.LOSS), name + " has no loss vertex");
            assertEquals("backbone_pool", m.backboneOutput());
        }
    }

    @Test
    void unknownNameListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SslMethods.create("mocov9", new SmallCnn(), SslMethods.Options.defaults(1)));
        assertTrue(e.getMessage().contains("mocov9") && e.getMessage().contains("simclr-ema-projector"), e.getMessage());
    }

    @Test
    void momentumReachesTheTargetBranchAndIsCheckedByEveryBuilder() {
        for (String name : SslMethods.WITH_MOMENTUM) {
            SslMethod m = SslMethods.create(name, new SmallCnn(12, 12, 1),
                    new SslMethods.Options(null, null, 64, 8, 3, 0.9));
            io.github.dl4jssl.listeners.EmaTargetListener ema = m.trainingListeners(10).stream()
                    .filter(l -> l instanceof io.github.dl4jssl.listeners.EmaTargetListener)
                    .map(l -> (io.github.dl4jssl.listeners.EmaTargetListener) l).findFirst().orElseThrow();
            assertEquals(0.9, ema.getSchedule().momentum(0), 1e-12, name);
            for (double bad : new double[] {1.5, -0.01, Double.NaN}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SslMethods.create(name,
                        new SmallCnn(12, 12, 1), new SslMethods.Options(null, null, 64, 8, 3, bad)), name + " accepted " + bad);
                assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SslMethods.create("simsiam",
                new SmallCnn(12, 12, 1), new SslMethods.Options(null, null, null, null, 3, 0.9)));
        assertTrue(e.getMessage().contains("no momentum encoder") && e.getMessage().contains("byol"), e.getMessage());
    }

    /** A seed repeats the initial weights exactly; 0, which ND4J replaces with the clock, is refused by every method. */
    @Test
    void aSeedRepeatsTheWeightsAndSeedZeroIsRefused() {
        for (String name : SslMethods.NAMES) {
            SmallCnn net = new SmallCnn(12, 12, 1);
            ComputationGraph a = SslMethods.create(name, net, new SslMethods.Options(null, null, 64, 8, 5)).init();
            ComputationGraph b = SslMethods.create(name, net, new SslMethods.Options(null, null, 64, 8, 5)).init();
            assertEquals(a.params(), b.params(), name);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SslMethods.create(name, net, new SslMethods.Options(null, null, 64, 8, 0)), name);
            assertTrue(e.getMessage().contains("seed 0 would not repeat"), e.getMessage());
        }
    }

    /** The key encoder of a ResNet has residual vertices between frozen layers: they must train too. */
    @Test
    void mocoV2WithShuffleBnOnAResNetTrains() {
        SslMethod moco = new MocoV2.Builder().backbone(new ResNet18Cifar(8, 8, 3, 2)).queueSize(32).shuffleBn(2)
                .seed(1).build();
        ComputationGraph g = moco.init();
        g.setListeners(moco.trainingListeners(2));
        DataSet ds = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 3, 8, 8), Nd4j.zeros(DataType.FLOAT, 8, 1));
        g.fit(ds);
        g.fit(ds);
        assertTrue(Double.isFinite(g.score()));
        assertTrue(g.getConfiguration().getVertices().keySet().stream().anyMatch(n -> n.startsWith("target_backbone_stage1")));
    }
}
