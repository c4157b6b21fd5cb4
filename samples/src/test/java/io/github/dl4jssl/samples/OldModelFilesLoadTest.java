package io.github.dl4jssl.samples;

import io.github.dl4jssl.train.Checkpoints;
import io.github.dl4jssl.train.ResumeState;
import io.github.dl4jssl.train.RunReport;
import io.github.dl4jssl.train.SavedBackbone;
import io.github.dl4jssl.layers.InfoNceLoss;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Old model files still load (issue #17, item 6): the {@code model.zip} and the checkpoint that {@code train} wrote
 * with the code of version 0.1.0 ({@link ModelFixture}) restore with {@code ModelSerializer}, hold the classes they
 * were made of, compute the stored output on a fixed input, and {@code train --resume} finishes the run from the
 * checkpoint. A class renamed or moved without keeping its old name loadable fails here first.
 */
class OldModelFilesLoadTest {

    @ParameterizedTest
    @EnumSource(ModelFixture.class)
    void everyClassNamedInTheModelJsonStillExists(ModelFixture f) throws Exception {
        for (Path zip : List.of(f.dir().resolve(Checkpoints.MODEL), f.checkpoint().resolve(Checkpoints.MODEL))) {
            SortedSet<String> named = ModelJson.projectClasses(ModelJson.configuration(zip));
            assertFalse(named.isEmpty(), zip + " names no class of this project");
            for (String name : named) {
                assertDoesNotThrow(() -> Class.forName(name), zip + " names " + name + ", which no longer exists: keep the"
                        + " class where it was (model files are user data) or register the old name with Jackson");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ModelFixture.class)
    void modelRestoresWithItsClassesUpdaterStateAndOutput(ModelFixture f) throws Exception {
        ComputationGraph graph = ModelSerializer.restoreComputationGraph(f.dir().resolve(Checkpoints.MODEL).toFile(), true);
        SortedSet<String> classes = ModelJson.classesOf(graph);
        assertTrue(classes.containsAll(f.classes), f.id + ": expected " + f.classes + " among " + classes);
        assertEquals(ModelFixture.ITERATIONS, graph.getIterationCount());
        INDArray state = graph.getUpdater().getStateViewArray();
        assertNotNull(state, "the updater state was saved");
        assertTrue(state.amaxNumber().doubleValue() > 0, "the updater state is not all zero after 4 steps");

        INDArray expected = Nd4j.createFromNpyFile(f.dir().resolve(ModelFixture.EXPECTED_OUTPUT).toFile());
        INDArray actual = ModelFixture.output(graph);
        assertArrayEquals(expected.shape(), actual.shape());
        double scale = Math.max(1, expected.amaxNumber().doubleValue());
        double diff = Transforms.abs(expected.sub(actual)).maxNumber().doubleValue();
        assertTrue(diff <= 1e-4 * scale, f.id + ": output differs from the stored one by " + diff);
        assertQueueAdvanced(graph, ModelFixture.ITERATIONS);
        assertEquals("1x28x28", ModelSerializer.<String>getObjectFromFile(f.dir().resolve(Checkpoints.MODEL).toFile(),
                SavedBackbone.INPUT_ENTRY), "the image size train records for eval");
    }

    /** MoCo v1/v2: the key queue's write position is where 4 (or 2) enqueued batches of 16 keys leave it. */
    private static void assertQueueAdvanced(ComputationGraph graph, int iterations) {
        Layer loss = graph.getLayer(io.github.dl4jssl.zoo.method.SslMethod.LOSS);
        if (!(loss.conf().getLayer() instanceof InfoNceLoss) || !loss.paramTable().containsKey(InfoNceLoss.QUEUE)) {
            return;
        }
        long k = loss.getParam(InfoNceLoss.QUEUE).size(0);
        assertEquals((iterations * ModelFixture.BATCH) % k, loss.getParam(InfoNceLoss.QUEUE_PTR).getDouble(0), 0.0,
                "queue pointer after " + iterations + " iterations of " + ModelFixture.BATCH + " keys, K = " + k);
        INDArray norms = loss.getParam(InfoNceLoss.QUEUE).norm2(1);
        assertEquals(1.0, norms.minNumber().doubleValue(), 1e-4, "the queue holds L2-normalised keys");
    }

    @ParameterizedTest
    @EnumSource(ModelFixture.class)
    void checkpointRestoresAtIteration2(ModelFixture f) throws Exception {
        ComputationGraph graph = ModelSerializer.restoreComputationGraph(f.checkpoint().resolve(Checkpoints.MODEL).toFile(), true);
        assertTrue(ModelJson.classesOf(graph).containsAll(f.classes));
        assertEquals(2, graph.getIterationCount());
        ResumeState s = ResumeState.read(f.checkpoint().resolve(Checkpoints.STATE));
        assertEquals(2, s.iteration);
        assertEquals(2, s.batchInEpoch);
        assertQueueAdvanced(graph, 2);
    }

    @ParameterizedTest
    @EnumSource(ModelFixture.class)
    void resumeFromTheCheckpointFinishesTheRun(ModelFixture f, @TempDir Path run) throws Exception {
        TestData.requireFashionMnist();
        Files.copy(f.dir().resolve(ModelFixture.COMMAND), run.resolve(ModelFixture.COMMAND));
        Path checkpoint = Files.createDirectories(run.resolve(Checkpoints.DIR).resolve(ModelFixture.CHECKPOINT));
        for (String file : List.of(Checkpoints.MODEL, Checkpoints.STATE)) {
            Files.copy(f.checkpoint().resolve(file), checkpoint.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        Cli.run(0, "train", "--resume", run.toString());
        ComputationGraph resumed = ModelSerializer.restoreComputationGraph(run.resolve(Checkpoints.MODEL).toFile(), true);
        ComputationGraph before = ModelSerializer.restoreComputationGraph(checkpoint.resolve(Checkpoints.MODEL).toFile(), true);
        assertEquals(ModelFixture.ITERATIONS, resumed.getIterationCount());
        assertTrue(resumed.params().neq(before.params()).any(), "the resumed run trained");
        assertFalse(resumed.params().isNaN().any());
        RunReport report = RunReport.read(run.resolve("report.json"));
        ResumeState state = ResumeState.read(checkpoint.resolve(Checkpoints.STATE));
        assertEquals(state.report.randomKnnTop1, report.randomKnnTop1, "the baseline comes from the checkpoint's report");
        assertEquals(1, report.lossPerEpoch.size());
        assertTrue(Double.isFinite(report.lossPerEpoch.get(0)));
        assertEquals(Set.copyOf(ModelJson.classesOf(before)), Set.copyOf(ModelJson.classesOf(resumed)));
    }
}
