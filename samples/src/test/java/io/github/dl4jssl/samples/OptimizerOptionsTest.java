package io.github.dl4jssl.samples;

import io.github.dl4jssl.layers.optim.Lars;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.backbone.VitTiny;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code train}'s optimizer options: what they give each method, their checks, and what the report records. */
class OptimizerOptionsTest {

    private static OptimizerOptions parse(String... args) {
        OptimizerOptions o = new OptimizerOptions();
        new CommandLine(o).parseArgs(args);
        return o;
    }

    private static SslMethods.Options simclr(OptimizerOptions o, Double lr) {
        o.validate(lr, 3);
        return o.methodOptions("simclr", new SmallCnn(), lr, null, 4096, 128, 1, null, 3, 10);
    }

    @Test
    void withoutOptionsEachMethodKeepsItsOwnOptimizer() {
        SslMethods.Options o = simclr(parse(), null);
        assertNull(o.updater());
        assertNull(o.weightDecay());
        assertNull(o.warmupCosine());
        assertEquals(new Adam(2e-3), simclr(parse(), 2e-3).updater(), "--lr alone: Adam, as before");
    }

    @Test
    void optimizersWithTheirDefaultRatesScaledByTheBatch() {
        assertEquals(Lars.builder().learningRate(0.3 * 128 / 256).build(), simclr(parse("--optimizer", "lars"), null).updater());
        assertEquals(Lars.builder().learningRate(0.2).trustCoefficient(0.01).build(),
                simclr(parse("--optimizer", "LARS", "--trust-coefficient", "0.01"), 0.2).updater());
        assertEquals(new Nesterovs(0.05 * 128 / 256, 0.9), simclr(parse("--optimizer", "sgd"), null).updater());
        assertEquals(new Adam(1e-3), simclr(parse("--optimizer", "adam"), null).updater());
        assertEquals(1e-5, simclr(parse("--weight-decay", "1e-5"), null).weightDecay());
    }

    @Test
    void warmupCosineOverTheRun() {
        assertEquals(new SslMethods.WarmupCosine(15, 30),
                simclr(parse("--schedule", "warmup-cosine", "--warmup-epochs", "1.5"), null).warmupCosine());
        assertEquals(new SslMethods.WarmupCosine(4, 30), simclr(parse("--schedule", "warmup-cosine"), null).warmupCosine(),
                "default warm-up: 40/300 of the run");
        assertNull(simclr(parse("--schedule", "constant"), null).warmupCosine());
    }

    @Test
    void mocoV3OnAVitKeepsAdamWOnWarmupCosineUnlessToldOtherwise() {
        OptimizerOptions none = parse();
        SslMethods.Options vit = none.methodOptions("mocov3", VitTiny.builder(28, 28, 1).build(), null, null, 0, 64, 1, null, 3, 10);
        assertEquals(new Adam(1.5e-4 * 64 / 256), vit.updater());
        assertEquals(0.1, vit.weightDecay());
        assertEquals(new SslMethods.WarmupCosine(4, 30), vit.warmupCosine());
        SslMethods.Options constant = parse("--schedule", "constant", "--optimizer", "lars")
                .methodOptions("mocov3", VitTiny.builder(28, 28, 1).build(), null, null, 0, 64, 1, null, 3, 10);
        assertNull(constant.warmupCosine());
        assertNull(constant.weightDecay(), "LARS keeps the method's weight decay");
    }

    @Test
    void badValuesAreRefusedWithTheirName() {
        String[][] bad = {
                {"--optimizer", "rmsprop"}, {"--schedule", "step"}, {"--weight-decay", "-1e-4"},
                {"--optimizer", "lars", "--trust-coefficient", "0"}, {"--trust-coefficient", "0.01"},
                {"--warmup-epochs", "1"}, {"--schedule", "warmup-cosine", "--warmup-epochs", "3"},
                {"--schedule", "warmup-cosine", "--warmup-epochs", "-1"}};
        String[] expected = {"--optimizer", "--schedule", "--weight-decay", "--trust-coefficient", "--optimizer lars only",
                "warmup-cosine only", "--warmup-epochs must be in [0, --epochs)", "--warmup-epochs must be in"};
        for (int i = 0; i < bad.length; i++) {
            OptimizerOptions o = parse(bad[i]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.validate(null, 3), List.of(bad[i]).toString());
            assertTrue(e.getMessage().contains(expected[i]), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> parse().validate(-0.1, 3));
        assertThrows(IllegalArgumentException.class, () -> parse().validate(0.0, 3));
    }

    @Test
    void cliRefusesABadOptimizerBeforeAnyWork(@TempDir Path out) {
        String err = CheckpointResumeTest.run(2, List.of("train", "--optimizer", "lars", "--trust-coefficient", "-1",
                "--out", out.toString()));
        assertTrue(err.contains("--trust-coefficient must be a positive number") && !err.contains("\tat "), err);
    }

    @Test
    void theReportRecordsTheOptimizerScheduleAndDecayTheNetworkHas() {
        OptimizerOptions o = parse("--optimizer", "lars", "--schedule", "warmup-cosine", "--warmup-epochs", "0.5");
        o.validate(null, 2);
        SslMethods.Options options = o.methodOptions("simclr", new SmallCnn(12, 12, 1), null, null, 0, 64, 1, null, 2, 4);
        RunReport r = new RunReport();
        OptimizerOptions.describe(SslMethods.create("simclr", new SmallCnn(12, 12, 1), options).init(), r);
        assertTrue(r.optimizer.startsWith("Lars(lr=WarmupCosineSchedule(base=0.075, warmup=2, total=8)"), r.optimizer);
        assertEquals("warmup-cosine", r.schedule);
        assertEquals(1e-6, r.weightDecay, "SimCLR's weight decay, inside LARS");
        RunReport mocoDefault = new RunReport();
        OptimizerOptions.describe(SslMethods.create("mocov2", new SmallCnn(12, 12, 1),
                parse().methodOptions("mocov2", new SmallCnn(12, 12, 1), null, null, 64, 8, 1, null, 2, 4)).init(), mocoDefault);
        assertTrue(mocoDefault.optimizer.startsWith("Nesterovs(learningRate=0.03"), mocoDefault.optimizer);
        assertEquals("constant", mocoDefault.schedule);
        assertEquals(1e-4, mocoDefault.weightDecay);
    }
}
