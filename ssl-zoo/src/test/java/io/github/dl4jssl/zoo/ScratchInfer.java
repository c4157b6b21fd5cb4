package io.github.dl4jssl.zoo;

import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ScratchInfer {
    @Test
    void speed() {
        ComputationGraph g = new ComputationGraph(BackboneGraph.standalone(new SmallCnn(), "b_", 1));
        g.init();
        for (int b : new int[]{32, 128, 512}) {
            INDArray x = Nd4j.rand(b, 1, 28, 28);
            g.outputSingle(false, x);
            long t = System.nanoTime();
            int reps = Math.max(2, 1024 / b);
            for (int i = 0; i < reps; i++) g.outputSingle(false, x);
            System.out.printf("INFER batch %d: %.1f img/s%n", b, reps * b / ((System.nanoTime() - t) / 1e9));
        }
        for (String layer : new String[]{"b_conv1", "b_conv2", "b_conv3", "b_conv4"}) { }
        INDArray x = Nd4j.rand(128, 1, 28, 28);
        for (int rep = 0; rep < 12; rep++) {
            long t0 = System.nanoTime();
            java.util.Map<String, INDArray> acts = g.feedForward(new INDArray[]{x}, false, false);
            System.out.printf("FF all: %.1f ms%n", (System.nanoTime() - t0) / 1e6);
        }
    }
}
