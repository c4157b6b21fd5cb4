package io.github.dl4jssl.train;

import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.backbone.VitTiny;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.util.List;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.*;

/** A spec's optimizer options: what they give each method, their checks, and what the report records. */
class MethodSetupTest {

    private static SslMethods.Options simclr(UnaryOperator<RunSpec.Builder> options, Double lr) {
        RunSpec spec = options.apply(RunSpec.builder().method("simclr").learningRate(lr).epochs(3).seed(1)).build();
        return new MethodSetup(spec).options(new SmallCnn(), 4096, 10);
    }

    private static SslMethods.Options vitMocoV3(UnaryOperator<RunSpec.Builder> options) {
        RunSpec spec = options.apply(RunSpec.builder().method("mocov3").backbone("vit-tiny").batchSize(64).epochs(3).seed(1)).build();
        return new MethodSetup(spec).options(VitTiny.builder(28, 28, 1).build(), 0, 10);
    }

    @Test
    void withoutOptionsEachMethodKeepsItsOwnOptimizer() {
        SslMethods.Options o = simclr(b -> b, null);
        assertNull(o.updater());
        assertNull(o.weightDecay());
        assertNull(o.warmupCosine());
        assertEquals(new Adam(2e-3), simclr(b -> b, 2e-3).updater(), "a learning rate alone: Adam, as before");
    }

    /** SimSiam trains with Adam 1e-3 from the CLI unless told otherwise (experiment recipe-simsiam). */
    @Test
    void simSiamsRecipeIsAdamUnlessAnOptimizerIsGiven() {
        UnaryOperator<RunSpec.Builder> simsiam = b -> b.method("simsiam");
        assertEquals(new Adam(1e-3), simclr(simsiam, null).updater());
        assertEquals(new Adam(3e-4), simclr(simsiam, 3e-4).updater());
        assertEquals(new Nesterovs(0.05 * 128 / 256, 0.9), simclr(b -> b.method("simsiam").optimizer("sgd"), null).updater(),
                "the paper's SGD on request");
        assertNull(simclr(b -> b.method("byol"), null).updater(), "the other methods keep their own");
        assertEquals("adam", RunSpec.builder().method("simsiam").epochs(1).build().optimizerOrRecipe());
        assertNull(RunSpec.builder().method("simsiam").optimizer(null).epochs(1).build().optimizer(), "as given: none");
    }

    @Test
    void optimizersWithTheirDefaultRatesScaledByTheBatch() {
        assertEquals(Lars.builder().learningRate(0.3 * 128 / 256).build(), simclr(b -> b.optimizer("lars"), null).updater());
        assertEquals(Lars.builder().learningRate(0.2).trustCoefficient(0.01).build(),
                simclr(b -> b.optimizer("LARS").trustCoefficient(0.01), 0.2).updater());
        assertEquals(new Nesterovs(0.05 * 128 / 256, 0.9), simclr(b -> b.optimizer("sgd"), null).updater());
        assertEquals(new Adam(1e-3), simclr(b -> b.optimizer("adam"), null).updater());
        assertEquals(1e-5, simclr(b -> b.weightDecay(1e-5), null).weightDecay());
    }

    @Test
    void warmupCosineOverTheRun() {
        assertEquals(new SslMethods.WarmupCosine(15, 30),
                simclr(b -> b.schedule("warmup-cosine").warmupEpochs(1.5), null).warmupCosine());
        assertEquals(new SslMethods.WarmupCosine(4, 30), simclr(b -> b.schedule("warmup-cosine"), null).warmupCosine(),
                "default warm-up: 40/300 of the run");
        assertNull(simclr(b -> b.schedule("constant"), null).warmupCosine());
    }

    @Test
    void mocoV3OnAVitKeepsAdamWOnWarmupCosineUnlessToldOtherwise() {
        SslMethods.Options vit = vitMocoV3(b -> b);
        assertEquals(new Adam(1.5e-4 * 64 / 256), vit.updater());
        assertEquals(0.1, vit.weightDecay());
        assertEquals(new SslMethods.WarmupCosine(4, 30), vit.warmupCosine());
        SslMethods.Options constant = vitMocoV3(b -> b.schedule("constant").optimizer("lars"));
        assertNull(constant.warmupCosine());
        assertNull(constant.weightDecay(), "LARS keeps the method's weight decay");
    }

    @Test
    void symmetricLossReachesMocoAndIsOffByDefault() {
        for (String method : List.of("mocov1", "mocov2")) {
            for (Boolean given : new Boolean[] {null, false, true}) {
                RunSpec spec = RunSpec.builder().method(method).symmetricLoss(given).batchSize(32).epochs(1).seed(1).build();
                var moco = (io.github.dl4jssl.zoo.method.MocoV1V2) new MethodSetup(spec).method(new SmallCnn(12, 12, 1), 640);
                assertEquals(Boolean.TRUE.equals(given), moco.symmetric(), method + " --symmetric-loss " + given);
                assertEquals(Boolean.TRUE.equals(given) ? 64 : 32, moco.keysPerIteration(32));
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunSpec.builder().method("mocov3").symmetricLoss(true).build());
        assertTrue(e.getMessage().contains("--symmetric-loss is not used by --method mocov3") && e.getMessage().contains("mocov2"),
                e.getMessage());
        assertEquals(true, RunSpec.fromJson(RunSpec.builder().method("mocov2").symmetricLoss(true).build().toJson()).symmetricLoss(),
                "the saved spec of a checkpointed run keeps it");
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        List<UnaryOperator<RunSpec.Builder>> bad = List.of(
                b -> b.optimizer("rmsprop"), b -> b.schedule("step"), b -> b.weightDecay(-1e-4),
                b -> b.optimizer("lars").trustCoefficient(0.0), b -> b.trustCoefficient(0.01),
                b -> b.warmupEpochs(1.0), b -> b.schedule("warmup-cosine").warmupEpochs(3.0),
                b -> b.schedule("warmup-cosine").warmupEpochs(-1.0), b -> b.learningRate(-0.1), b -> b.learningRate(0.0));
        String[] expected = {"--optimizer", "--schedule", "--weight-decay", "--trust-coefficient", "--optimizer lars only",
                "warmup-cosine only", "--warmup-epochs must be in [0, --epochs)", "--warmup-epochs must be in",
                "--lr must be a positive", "--lr must be a positive"};
        for (int i = 0; i < bad.size(); i++) {
            RunSpec.Builder b = bad.get(i).apply(RunSpec.builder().epochs(3));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build, expected[i]);
            assertTrue(e.getMessage().contains(expected[i]), e.getMessage());
        }
    }

    @Test
    void theReportRecordsTheOptimizerScheduleAndDecayTheNetworkHas() {
        RunSpec spec = RunSpec.builder().method("simclr").optimizer("lars").schedule("warmup-cosine").warmupEpochs(0.5)
                .epochs(2).batchSize(64).seed(1).build();
        SslMethods.Options options = new MethodSetup(spec).options(new SmallCnn(12, 12, 1), 0, 4);
        RunReport r = new RunReport();
        MethodSetup.describe(SslMethods.create("simclr", new SmallCnn(12, 12, 1), options).init(), r);
        assertTrue(r.optimizer.startsWith("Lars(lr=WarmupCosineSchedule(base=0.075, warmup=2, total=8)"), r.optimizer);
        assertEquals("warmup-cosine", r.schedule);
        assertEquals(1e-6, r.weightDecay, "SimCLR's weight decay, inside LARS");
        assertNull(r.queueSize, "SimCLR has no queue");
        RunSpec moco = RunSpec.builder().method("mocov2").epochs(2).batchSize(8).seed(1).build();
        RunReport mocoDefault = new RunReport();
        MethodSetup.describe(SslMethods.create("mocov2", new SmallCnn(12, 12, 1),
                new MethodSetup(moco).options(new SmallCnn(12, 12, 1), 64, 4)).init(), mocoDefault);
        assertTrue(mocoDefault.optimizer.startsWith("Nesterovs(learningRate=0.03"), mocoDefault.optimizer);
        assertEquals("constant", mocoDefault.schedule);
        assertEquals(1e-4, mocoDefault.weightDecay);
        assertEquals(64, mocoDefault.queueSize, "the queue the InfoNCE layer holds");
    }
}
