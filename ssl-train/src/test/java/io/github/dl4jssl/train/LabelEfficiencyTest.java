package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.data.ClassBalancedSubset;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.listeners.eval.FineTune;
import io.github.dl4jssl.listeners.eval.LinearProbe;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class LabelEfficiencyTest {

    /** n 1x8x8 images of 3 classes: a bright row at a class-specific height plus noise; class = i % 3. */
    static LabelledImages rows(int n, long seed) {
        Random rng = new Random(seed);
        float[] pixels = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int j = 0; j < 64; j++) {
                pixels[64 * i + j] = 0.3f * rng.nextFloat() + (j / 8 == 1 + 3 * labels[i] ? 0.7f : 0f);
            }
        }
        return new LabelledImages(Nd4j.create(pixels, new long[] {n, 1, 8, 8}, 'c'), labels, 3);
    }

    @Test
    void rowsHoldTheProbeOnPixelsAndTheSupervisedNetworkOnTheSeededBalancedSubsets(@TempDir Path dir) {
        LabelledImages train = rows(90, 1);
        LabelledImages test = rows(30, 2);
        SmallCnn cnn = new SmallCnn(8, 8, 1);
        LabelEfficiency labels = new LabelEfficiency(train, test, List.of(2, 10), 7, 150, 40);
        List<LabelEfficiencyResult> rows = labels.baselines(cnn, BaselineCache.at(dir.toString()));
        assertEquals(2, rows.size());
        assertEquals(List.of(2, 10), List.of(rows.get(0).labelsPerClass, rows.get(1).labelsPerClass));
        assertEquals(30, rows.get(1).labelledImages);

        // recomputed independently: the subset of the fixed seed, the probe of 40 full-batch steps
        LabelledImages ten = ClassBalancedSubset.of(train, 10, LabelEfficiency.SUBSET_SEED);
        double probe = LinearProbe.builder().batchSize(30).epochs(40).seed(7).build()
                .evaluate(Evaluation.pixels(ten), ten.labels(), Evaluation.pixels(test), test.labels(), 3).top1();
        assertEquals(probe, rows.get(1).rawPixelLinearTop1);
        ComputationGraph scratch = new ComputationGraph(BackboneGraph.standalone(cnn, SslMethod.BACKBONE_PREFIX, 7));
        scratch.init();
        double supervised = new FineTune(150 / 30, 30, LabelEfficiency.SUPERVISED_LR, 7)
                .withAugmentation(LabelEfficiency.augmentation(ten)::apply)
                .evaluate(scratch, ten.features(), ten.labels(), test.features(), test.labels(), 3).top1();
        assertEquals(supervised, rows.get(1).supervisedTop1);
        assertTrue(rows.get(1).rawPixelLinearTop1 > 0.9, "easy classes, 10 labels each: " + rows.get(1).rawPixelLinearTop1);

        // the backbone's own probe on the same subsets: random weights still separate these easy classes
        List<Double> top1 = labels.linearTop1(scratch);
        assertEquals(2, top1.size());
        assertTrue(top1.get(1) > 0.6, "probe on random features: " + top1);
    }

    @Test
    void aClassWithTooFewImagesIsRefusedWhenTheSubsetsAreDrawn() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LabelEfficiency(rows(30, 1), rows(9, 2), List.of(5, 11), 7, 100, 10));
        assertTrue(e.getMessage().contains("11 labelled images per class") && e.getMessage().contains("at most 10"), e.getMessage());
    }
}
