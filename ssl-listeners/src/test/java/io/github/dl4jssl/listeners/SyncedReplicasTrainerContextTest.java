package io.github.dl4jssl.listeners;

import io.github.dl4jssl.layers.TestGraphs;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.factory.DefaultTrainerContext;
import org.deeplearning4j.parallelism.trainer.DefaultTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link SyncedReplicasTrainerContext}: under ParallelWrapper with 2 workers every replica's first forward pass
 * of a fit sees the root model's parameters as they were before that fit, in every one of 12 fits (each fit
 * creates its workers anew). Also a probe of DL4J 1.0.0-M2.1's own DefaultTrainerContext, which gives no such
 * guarantee: it is run and its mismatches counted and printed, not asserted, since they depend on thread timing.
 */
class SyncedReplicasTrainerContextTest {

    private static final int FITS = 12;

    /** The parameters each replica held at its first forward pass. */
    static final class FirstParams extends BaseTrainingListener {
        final Map<Model, INDArray> first = Collections.synchronizedMap(new IdentityHashMap<>());

        @Override
        public void onForwardPass(Model model, Map<String, INDArray> activations) {
            first.computeIfAbsent(model, m -> m.params().dup());
        }
    }

    private static ComputationGraph graph() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(new Sgd(0.5)).graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(8).nOut(2)
                        .activation(Activation.IDENTITY).build(), "h")
                .setOutputs("out").build();
        return TestGraphs.initialized(conf);
    }

    private static List<DataSet> twoBatches(int fit) {
        Nd4j.getRandom().setSeed(100 + fit);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            out.add(new DataSet(Nd4j.randn(DataType.DOUBLE, 16, 6), Nd4j.randn(DataType.DOUBLE, 16, 2)));
        }
        return out;
    }

    /** Number of (fit, replica) pairs whose first forward pass saw other parameters than the root's before the fit. */
    private static int mismatches(SyncedReplicasTrainerContext context) {
        ComputationGraph graph = graph();
        FirstParams recorder = new FirstParams();
        ParallelWrapper.Builder<ComputationGraph> builder = new ParallelWrapper.Builder<>(graph).workers(2)
                .averagingFrequency(1).prefetchBuffer(2);
        ParallelWrapper pw = builder.build();
        if (context != null) {
            SyncedReplicasTrainerContext.installIn(pw, context);
        }
        assertSame(context == null ? DefaultTrainerContext.class : SyncedReplicasTrainerContext.class,
                pw.getTrainerContext().getClass());
        pw.setListeners(recorder);
        int mismatches = 0;
        try {
            for (int fit = 0; fit < FITS; fit++) {
                INDArray before = graph.params().dup();
                recorder.first.clear();
                pw.fit(new ExistingDataSetIterator(twoBatches(fit)));
                assertEquals(2, recorder.first.size(), "both replicas trained in fit " + fit);
                assertFalse(graph.params().equalsWithEps(before, 1e-12), "fit " + fit + " changed the root model");
                for (INDArray seen : recorder.first.values()) {
                    if (!seen.equalsWithEps(before, 0)) {
                        mismatches++;
                    }
                }
            }
        } finally {
            pw.shutdown();
        }
        return mismatches;
    }

    @Test
    void everyReplicaStartsEachFitFromTheRootModelsParameters() {
        assertEquals(0, mismatches(new SyncedReplicasTrainerContext(Duration.ofSeconds(60))),
                "replicas that started a fit from parameters already updated by worker 0");
    }

    @Test
    void probeDl4jsDefaultTrainerContext() {
        int m = mismatches(null);
        System.out.println("DefaultTrainerContext: " + m + " of " + 2 * FITS
                + " replica starts saw parameters already updated by worker 0");
    }

    @Test
    void dl4jsBuilderIgnoresTrainerFactoryWhichIsWhyInstallInExists() {
        ParallelWrapper pw = new ParallelWrapper.Builder<>(graph()).workers(2)
                .trainerFactory(new SyncedReplicasTrainerContext()).build();
        assertSame(DefaultTrainerContext.class, pw.getTrainerContext().getClass(),
                "DL4J's Builder now keeps the given context: installIn can go");
        pw.shutdown();
    }

    /**
     * SyncedTrainer sets DefaultTrainer's fields itself (DefaultTrainer's builder cannot make a subclass). If a DL4J
     * version gives its DefaultTrainer another field, or another value for one, this test fails: every field that
     * DL4J's DefaultTrainerContext sets on its trainer must hold the same setting on ours ({@link #sameSetting}; fields
     * DL4J leaves at null or false are compared too).
     */
    @Test
    void theSyncedTrainerGetsEveryFieldDl4jsOwnContextSets() throws Exception {
        ComputationGraph g = graph();
        ParallelWrapper pw = new ParallelWrapper.Builder<>(g).workers(2).averagingFrequency(3).build();
        try {
            Object dl4j = new DefaultTrainerContext().create("u", 1, g, 0, true, pw, WorkspaceMode.ENABLED, 3);
            Object ours = new SyncedReplicasTrainerContext().create("u", 1, g, 0, true, pw, WorkspaceMode.ENABLED, 3);
            int compared = 0;
            for (Field f : DefaultTrainer.class.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                f.setAccessible(true);
                Object a = f.get(dl4j);
                Object b = f.get(ours);
                assertTrue(sameSetting(a, b), "DefaultTrainer." + f.getName() + ": DL4J's context sets " + a + ", ours " + b);
                compared++;
            }
            assertTrue(compared >= 8, "compared " + compared + " fields of DefaultTrainer");
        } finally {
            pw.shutdown();
        }
    }

    /**
     * Whether two trainers hold the same setting in a field: the model and the wrapper by identity, values (strings,
     * booleans, enums, numbers, an AtomicInteger by its value) by equality, and per-trainer state (queues, locks) by
     * being of the same class, since each trainer makes its own.
     */
    private static boolean sameSetting(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null || a instanceof Model || a instanceof ParallelWrapper) {
            return false;
        }
        if (a instanceof Number && b instanceof Number) {
            return a.toString().equals(b.toString());
        }
        if (a instanceof String || a instanceof Boolean || a instanceof Enum) {
            return a.equals(b);
        }
        return a.equals(b) || a.getClass() == b.getClass();
    }

    @Test
    void installInRefusesGradientSharing() {
        ParallelWrapper sharing = new ParallelWrapper.Builder<>(graph()).workers(2)
                .trainingMode(ParallelWrapper.TrainingMode.SHARED_GRADIENTS).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SyncedReplicasTrainerContext.installIn(sharing));
        assertTrue(e.getMessage().contains("TrainingMode.AVERAGING"), e.getMessage());
        sharing.shutdown();
    }

    @Test
    void aNonPositiveTimeoutIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SyncedReplicasTrainerContext(Duration.ZERO));
        assertTrue(e.getMessage().contains("timeout must be positive"), e.getMessage());
    }
}
