package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The one-call evaluation against the protocol's pieces called one by one, from memory and from a saved file. */
class BackboneEvaluationTest {
    private static final SmallCnn CNN = new SmallCnn(8, 8, 1);

    /** n 1x8x8 images in 3 classes: noise plus a bright row 2 * class + 1. */
    private static LabelledImages images(int n, long seed) {
        Random rng = new Random(seed);
        float[] pixels = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(3);
            for (int j = 0; j < 64; j++) {
                pixels[64 * i + j] = 0.3f * rng.nextFloat() + (j / 8 == 2 * labels[i] + 1 ? 0.7f : 0f);
            }
        }
        return new LabelledImages(Nd4j.create(pixels, new long[] {n, 1, 8, 8}, 'c'), labels, 3);
    }

    private static final Datasets.Split DATA = new Datasets.Split("toy", images(120, 1), images(40, 2), List.of());

    private static ComputationGraph backbone(long seed) {
        ComputationGraph g = new ComputationGraph(BackboneGraph.standalone(CNN, SslMethod.BACKBONE_PREFIX, seed));
        g.init();
        return g;
    }

    private static BackboneEvaluation.Builder settings() {
        return BackboneEvaluation.builder().evalTrainSubset(100).linearEpochs(2).baselineCache("none").seed(5);
    }

    @Test
    void oneCallGivesTheBackboneBesideItsRandomWeightsAndRawPixelsUnderOneProtocol() {
        ComputationGraph trained = backbone(3); // other weights than the seed-5 random baseline
        RunReport r = settings().build().evaluate(trained, CNN, DATA);

        Evaluation eval = new Evaluation(DATA.train().subset(100), DATA.test(), 2, 5);
        Evaluation.Result own = eval.evaluate(trained);
        Evaluation.Result random = eval.evaluate(backbone(5));
        Evaluation.Result pixels = eval.rawPixels();
        assertEquals(own.knnTop1(), r.knnTop1);
        assertEquals(own.linearTop1(), r.linearTop1);
        assertEquals(random.knnTop1(), r.randomKnnTop1, "the same architecture's random weights from the seed");
        assertEquals(random.linearTop1(), r.randomLinearTop1);
        assertEquals(pixels.knnTop1(), r.rawPixelKnnTop1);
        assertEquals(pixels.linearTop1(), r.rawPixelLinearTop1);
        assertTrue(r.rawPixelKnnTop1 > 0.9, "a bright row per class separates the pixels: " + r.rawPixelKnnTop1);
        assertEquals(100, r.evalTrainImages);
        assertEquals(40, r.evalTestImages);
        assertEquals("toy", r.dataset);
        assertEquals(CNN.name(), r.backbone);
        assertTrue(r.rankMe > 1 && r.collapseAuc >= 0 && r.collapseAuc <= 1, "collapse metrics of the features: " + r.rankMe);
        assertEquals(0, r.fineTuneEpochs, "no fine-tuning unless asked");
    }

    @Test
    void aSavedBackboneFileEvaluatesAsTheGraphInMemory(@TempDir Path dir) throws Exception {
        ComputationGraph trained = backbone(3);
        Path file = dir.resolve("backbone.zip");
        ModelSerializer.writeModel(trained, file.toFile(), false);
        SavedBackbone.tag(file, CNN);
        BackboneEvaluation evaluation = settings().build();
        RunReport fromFile = evaluation.evaluate(dir, DATA);
        RunReport inMemory = evaluation.evaluate(trained, CNN, DATA);
        assertEquals(inMemory.knnTop1, fromFile.knnTop1);
        assertEquals(inMemory.linearTop1, fromFile.linearTop1);
        assertEquals(inMemory.randomKnnTop1, fromFile.randomKnnTop1);
        assertEquals(file.toString(), fromFile.model);
    }

    @Test
    void badSettingsAreRefusedBeforeAnyWorkNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackboneEvaluation.builder().fineTune(1, 1e-3, 1).build());
        assertTrue(e.getMessage().contains("--batch-size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BackboneEvaluation.builder().linearEpochs(0).build());
        assertTrue(e.getMessage().contains("--linear-epochs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BackboneEvaluation.builder().fineTune(1, -1, 8).build());
        assertTrue(e.getMessage().contains("--fine-tune-lr"), e.getMessage());
        BackboneEvaluation tooMany = BackboneEvaluation.builder().evalTrainSubset(500).build();
        e = assertThrows(IllegalArgumentException.class, () -> tooMany.evaluate(backbone(3), CNN, DATA));
        assertTrue(e.getMessage().contains("--eval-train-subset 500") && e.getMessage().contains("120"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings().build().evaluate(Path.of("no-such-run"), DATA));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
