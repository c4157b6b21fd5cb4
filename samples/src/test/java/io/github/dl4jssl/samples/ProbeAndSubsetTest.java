package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.RunMonitors;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.Evaluation;
import io.github.dl4jssl.listeners.monitor.CollapseMonitor;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.method.SslMethod;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Evaluation probes of any size (odd, or leaving a single image in the last forward pass) and subset sizes: the
 * collapse probe of the projector never reaches the paired loss layers, a subset larger than the data is refused,
 * and the report counts the images actually trained on.
 */
class ProbeAndSubsetTest {


    @Test
    void collapseProbesOfOddSizeWorkForEveryMethod(@TempDir Path out) {
        // one method of each graph shape: NT-Xent on one input; MoCo's two inputs, queue and target; BYOL's predictor
        for (String name : List.of("simclr", "mocov2", "byol")) {
            SslMethod method = SslMethods.create(name, Backbones.byName("small-cnn", 28, 28, 1, LayerImplementation.DEFAULT, 0.25),
                    new SslMethods.Options(null, null, 16, 8, 1));
            ComputationGraph graph = method.init();
            for (int n : name.equals("simclr") ? new int[] {9, 257} : new int[] {9}) { // 257: 256 images, then a single one
                LabelledImages bank = new LabelledImages(Nd4j.rand(DataType.FLOAT, 4, 1, 28, 28), new int[] {0, 1, 0, 1}, 2);
                RunMonitors monitors = new RunMonitors(graph, method, Nd4j.rand(DataType.FLOAT, n, 1, 28, 28), bank, bank, false,
                        out.resolve(name + "-" + n));
                monitors.measureBeforeTraining(graph);
                List<CollapseMonitor.Record> projector = monitors.projectorCollapseHistory();
                assertEquals(1, projector.size(), name);
                assertEquals(n, projector.get(0).metrics().samples(), name + ": every probe image measured");
                assertEquals(n, monitors.collapseHistory().get(0).metrics().samples(), name);
            }
        }
    }

    @Test
    void oddEvaluationSubsetAndABatchThatDoesNotDivideTheSubset(@TempDir Path out) throws Exception {
        TestData.requireFashionMnist();
        Cli.run(0, "train", "--train-subset", "100", "--batch-size", "32", "--epochs", "1", "--eval-train-subset", "200",
                "--eval-test-subset", "99", "--linear-epochs", "1", "--width-multiplier", "0.25", "--out", out.toString());
        RunReport r = RunReport.read(out.resolve("report.json"));
        assertEquals(96, r.trainImages, "3 full batches of 32 of the 100 images");
        assertEquals(99, r.evalTestImages);
        assertEquals(2, r.projectorCollapseAucPerEpoch.size(), "the projector measured on the 99-image probe");
    }

    @Test
    void subsetsLargerThanTheDataAreRefused(@TempDir Path tmp) {
        TestData.requireFashionMnist();
        Path out = tmp.resolve("run");
        String err = Cli.run(2, "train", "--train-subset", "100000", "--out", out.toString());
        assertTrue(err.contains("--train-subset 100000 is larger than the training set, which has 60000 images")
                && err.contains("0 for all"), err);
        err = Cli.run(2, "train", "--eval-test-subset", "20000", "--out", out.toString());
        assertTrue(err.contains("--eval-test-subset 20000 is larger than the evaluation (test) set, which has 10000 images"), err);
        assertFalse(Files.exists(out), "no run directory for a refused start");
    }
}
