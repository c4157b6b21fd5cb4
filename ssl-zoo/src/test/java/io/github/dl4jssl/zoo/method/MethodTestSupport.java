package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.*;

/** Toy data and checks shared by the method tests. */
final class MethodTestSupport {

    private MethodTestSupport() {
    }

    /** 64 small random 12x12 "images" of 3 prototypes plus noise (as in SimClrTest). */
    static LabelledImages toyImages() {
        Nd4j.getRandom().setSeed(1);
        INDArray protos = Nd4j.rand(3, 1, 12, 12);
        INDArray x = Nd4j.create(DataType.FLOAT, 64, 1, 12, 12);
        int[] labels = new int[64];
        for (int i = 0; i < 64; i++) {
            labels[i] = i % 3;
            x.get(NDArrayIndex.point(i)).assign(protos.get(NDArrayIndex.point(i % 3)).add(Nd4j.rand(1, 12, 12).mul(0.2)));
        }
        return new LabelledImages(x, labels, 3);
    }

    static TwoViewIterator augmented(int batchSize) {
        return TwoViewIterator.builder(toyImages()).batchSize(batchSize)
                .pipeline(AugmentationPipeline.builder().randomResizedCrop(12, 0.6, 1.0).horizontalFlip(0.5).build())
                .seed(3).build();
    }

    /** Copies of the params of every layer whose name starts with {@code prefix}, keyed "layer/param". */
    static Map<String, INDArray> params(ComputationGraph g, String prefix) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Layer l : g.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (name.startsWith(prefix)) {
                for (Map.Entry<String, INDArray> e : l.paramTable().entrySet()) {
                    out.put(name + "/" + e.getKey(), e.getValue().dup());
                }
            }
        }
        return out;
    }

    /** Every target layer's params equal its online layer's; returns how many params were compared. */
    static int assertTargetEqualsOnline(ComputationGraph g) {
        Map<String, INDArray> target = params(g, SslMethod.TARGET_PREFIX);
        assertFalse(target.isEmpty(), "no target params");
        for (Map.Entry<String, INDArray> e : target.entrySet()) {
            String[] lk = e.getKey().split("/");
            INDArray online = g.getLayer(lk[0].substring(SslMethod.TARGET_PREFIX.length())).paramTable().get(lk[1]);
            assertEquals(online, e.getValue(), e.getKey());
        }
        return target.size();
    }

    /**
     * After one EMA step with momentum m: target == m * before + (1 - m) * online (BatchNorm's log10(std):
     * the variance is averaged), to 1e-6.
     */
    static void assertEmaStep(ComputationGraph g, Map<String, INDArray> targetBefore, double m) {
        assertEmaStep(g, targetBefore, targetLayer -> m);
    }

    /** As above, with the momentum of each target layer (by name). */
    static void assertEmaStep(ComputationGraph g, Map<String, INDArray> targetBefore,
                              ToDoubleFunction<String> momentumOfTargetLayer) {
        Map<String, INDArray> after = params(g, SslMethod.TARGET_PREFIX);
        assertEquals(targetBefore.keySet(), after.keySet());
        for (Map.Entry<String, INDArray> e : targetBefore.entrySet()) {
            String[] lk = e.getKey().split("/");
            double[] t = values(e.getValue());
            double[] o = values(g.getLayer(lk[0].substring(SslMethod.TARGET_PREFIX.length())).paramTable().get(lk[1]));
            double[] actual = values(after.get(e.getKey()));
            boolean logStd = BatchNormalizationParamInitializer.GLOBAL_LOG_STD.equals(lk[1]);
            double m = momentumOfTargetLayer.applyAsDouble(lk[0]);
            for (int j = 0; j < t.length; j++) {
                double expected = logStd
                        ? 0.5 * Math.log10(m * Math.pow(10, 2 * t[j]) + (1 - m) * Math.pow(10, 2 * o[j]))
                        : m * t[j] + (1 - m) * o[j];
                assertEquals(expected, actual[j], 1e-6, e.getKey() + "[" + j + "]");
            }
        }
    }

    /** The elements in c order, as doubles (param views of dense layers are in f order). */
    static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').reshape(-1).toDoubleVector();
    }

    /** The online branch moved (so the EMA check above is not vacuous). */
    static void assertOnlineMoved(Map<String, INDArray> onlineBefore, ComputationGraph g) {
        boolean moved = false;
        for (Map.Entry<String, INDArray> e : onlineBefore.entrySet()) {
            String[] lk = e.getKey().split("/");
            if (!e.getValue().equalsWithEps(g.getLayer(lk[0]).paramTable().get(lk[1]), 1e-7)) {
                moved = true;
                break;
            }
        }
        assertTrue(moved, "the optimizer changed no online param");
    }

    /**
     * Computes the gradient on one batch: no target layer has a (non-zero) gradient entry and the online backbone
     * has a non-zero one.
     */
    static Gradient assertNoTargetGradient(ComputationGraph g, DataSet batch) {
        g.setInputs(batch.getFeatures());
        g.setLabels(batch.getLabels());
        g.computeGradientAndScore();
        Gradient gradient = g.gradient();
        double backbone = 0;
        for (Map.Entry<String, INDArray> e : gradient.gradientForVariable().entrySet()) {
            if (e.getKey().startsWith(SslMethod.TARGET_PREFIX)) {
                assertEquals(0.0, e.getValue().amaxNumber().doubleValue(), 0.0, "gradient of " + e.getKey());
            }
            if (e.getKey().startsWith(SslMethod.BACKBONE_PREFIX)) {
                backbone += e.getValue().norm2Number().doubleValue();
            }
        }
        assertTrue(backbone > 0, "the online backbone gets no gradient");
        return gradient;
    }

    /** ModelSerializer round trip keeps every param (online and target) and the configuration. */
    static ComputationGraph assertSaveRestore(ComputationGraph g, File dir) throws IOException {
        File f = new File(dir, "model.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.getConfiguration().toJson(), back.getConfiguration().toJson());
        assertEquals(g.params(), back.params());
        Map<String, INDArray> before = params(g, "");
        Map<String, INDArray> after = params(back, "");
        assertEquals(before, after);
        return back;
    }

    /** A stacked two-view batch of 8 toy images, not augmented. */
    static DataSet identityBatch() {
        return TwoViewIterator.builder(toyImages()).batchSize(8).pipeline(AugmentationPipeline.identity()).seed(3).build().next();
    }

    /**
     * One fit step of a fresh EMA method: no gradient reaches the target, the online backbone moves, the EMA listener
     * (the first training listener) used momentum {@code m}, and each target layer took exactly one EMA step of its
     * momentum ({@code momentumOfTargetLayer}).
     */
    static void assertOneExactEmaStep(EmaMethod method, double m, ToDoubleFunction<String> momentumOfTargetLayer) {
        ComputationGraph g = method.init();
        assertTargetEqualsOnline(g);
        List<TrainingListener> listeners = method.trainingListeners(20);
        g.setListeners(listeners);
        DataSet batch = identityBatch();
        assertNoTargetGradient(g, batch);
        Map<String, INDArray> target = params(g, SslMethod.TARGET_PREFIX);
        Map<String, INDArray> online = params(g, SslMethod.BACKBONE_PREFIX);
        g.fit(batch);
        assertOnlineMoved(online, g);
        assertEquals(m, ((EmaTargetListener) listeners.get(0)).getCurrentMomentum(), 0.0, method.name());
        assertEmaStep(g, target, momentumOfTargetLayer);
    }

    /**
     * Trains a fresh graph of {@code method} for {@code epochs} epochs of {@code it} with the method's listeners and
     * asserts that the loss of the first batch (scored in training or inference mode) falls and stays finite.
     */
    static ComputationGraph assertLossFalls(SslMethod method, TwoViewIterator it, int epochs, boolean trainingMode) {
        ComputationGraph g = method.init();
        g.setListeners(method.trainingListeners((long) epochs * it.batchesPerEpoch()));
        DataSet first = it.next();
        double before = g.score(first, trainingMode);
        g.fit(it, epochs);
        double after = g.score(first, trainingMode);
        assertTrue(finite(after), method.name() + ": loss " + after);
        assertTrue(after < before, method.name() + ": loss should fall: " + before + " -> " + after);
        return g;
    }

    /**
     * A {@code ModelSerializer} round trip of a trained graph keeps everything ({@link #assertSaveRestore}), and the
     * backbone taken out of the restored graph computes the trained graph's features.
     */
    static void assertSavedBackboneMatches(SslMethod method, ComputationGraph trained, File dir) throws IOException {
        ComputationGraph back = assertSaveRestore(trained, dir);
        INDArray x = toyImages().features().get(NDArrayIndex.interval(0, 8));
        INDArray expected = trained.feedForward(x, false).get(method.backboneOutput());
        ComputationGraph backbone = BackboneGraph.extract(back, method.backbone(), SslMethod.BACKBONE_PREFIX);
        assertTrue(expected.equalsWithEps(backbone.outputSingle(x), 1e-5), method.name());
    }

    /** The method's configuration, checked to survive a JSON round trip unchanged. */
    static ComputationGraphConfiguration jsonRoundTripped(SslMethod method) {
        ComputationGraphConfiguration conf = method.configuration();
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()), method.name());
        return conf;
    }

    /** The layer configuration of the vertex {@code name} of {@code conf}. */
    static org.deeplearning4j.nn.conf.layers.Layer layerOf(ComputationGraphConfiguration conf, String name) {
        return ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
    }

    static boolean finite(double x) {
        return !Double.isNaN(x) && !Double.isInfinite(x);
    }
}
