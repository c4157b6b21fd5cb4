package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.ArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** MoCo v1's InfoNCE falls when its queue holds keys of other images (not near-duplicates of the queries). */
class MocoV1LossTest {

    /**
     * Training scores are compared once the queue holds only real keys (after queue/keys-per-batch iterations):
     * the mean over the first such epoch against the mean over the last epoch. (Comparing an initial and a trained
     * encoder on one queue is unfair: the queue's keys live in the trained key encoder's space.)
     */
    @Test
    void infoNceFallsOnceTheQueueHoldsRealKeys() {
        Nd4j.getRandom().setSeed(11);
        LabelledImages images = LabelledImages.unlabelled(Nd4j.rand(DataType.FLOAT, 48, 1, 12, 12));
        TwoViewIterator it = TwoViewIterator.builder(images).batchSize(8)
                .pipeline(AugmentationPipeline.builder().randomResizedCrop(12, 0.7, 1.0).build()).seed(4).build();
        MocoV1 moco = new MocoV1.Builder().backbone(new SmallCnn(12, 12, 1)).queueSize(32).outputSize(16)
                .updater(new Adam(3e-3)).momentum(0.9).seed(7).build();
        ComputationGraph g = moco.init();
        MocoTest.Scores scores = new MocoTest.Scores();
        g.setListeners(new ArrayList<>(moco.trainingListeners(36)));
        g.addListeners(scores);
        for (int epoch = 0; epoch < 6; epoch++) {
            g.fit(it);   // 6 iterations of 8 keys: the 32-key queue holds only real keys from iteration 5 on
        }
        assertEquals(36, scores.values.size());
        assertFalse(g.params().isNaN().any());
        double early = scores.values.subList(6, 12).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double late = scores.values.subList(30, 36).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(late < early, "MoCo v1 InfoNCE should fall: epoch 2 mean " + early + " -> epoch 6 mean " + late
                + " " + scores.values);
    }
}
