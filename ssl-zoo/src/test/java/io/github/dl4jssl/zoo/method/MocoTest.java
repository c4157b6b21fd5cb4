package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.layers.InfoNceLoss;
import io.github.dl4jssl.layers.SplitBatchNormalization;
import io.github.dl4jssl.listeners.EmaTargetListener;
import io.github.dl4jssl.listeners.KeyQueueListener;
import io.github.dl4jssl.listeners.MomentumSchedule;
import io.github.dl4jssl.layers.TrainModeFrozenLayer;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import static io.github.dl4jssl.zoo.method.MethodTestSupport.layerOf;
import static org.junit.jupiter.api.Assertions.*;

/** MoCo v1 / v2 on tiny 12x12 images: graph, training, FIFO queue, save/restore and exact resume. */
class MocoTest {

    /** 32 small random "images" of 3 prototypes plus noise. */
    static LabelledImages toyImages() {
        return toyImages(32);
    }

    static LabelledImages toyImages(int n) {
        Nd4j.getRandom().setSeed(1);
        INDArray protos = Nd4j.rand(3, 1, 12, 12);
        INDArray x = Nd4j.create(DataType.FLOAT, n, 1, 12, 12);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            x.get(NDArrayIndex.point(i)).assign(protos.get(NDArrayIndex.point(i % 3)).add(Nd4j.rand(1, 12, 12).mul(0.2)));
        }
        return new LabelledImages(x, labels, 3);
    }

    static TwoViewIterator iterator() {
        return iterator(32);
    }

    static TwoViewIterator iterator(int images) {
        return TwoViewIterator.builder(toyImages(images)).batchSize(8)
                .pipeline(AugmentationPipeline.builder().randomResizedCrop(12, 0.6, 1.0).horizontalFlip(0.5).build())
                .seed(3).build();
    }

    static MocoV2 v2(int shuffleGroups) {
        return v2(shuffleGroups, LayerImplementation.DEFAULT);
    }

    static MocoV2 v2(int shuffleGroups, LayerImplementation layers) {
        MocoV2.Builder b = new MocoV2.Builder().backbone(new SmallCnn(12, 12, 1, layers)).queueSize(20).hiddenSize(64).outputSize(16)
                .updater(new Adam(3e-3)).momentum(MomentumSchedule.cosine(0.9, 16)).seed(5);
        if (shuffleGroups > 0) {
            b.shuffleBn(shuffleGroups);
        }
        return b.build();
    }

    static MocoV1 v1() {
        return new MocoV1.Builder().backbone(new SmallCnn(12, 12, 1)).queueSize(24).outputSize(16)
                .updater(new Adam(3e-3)).momentum(0.9).seed(6).build();
    }

    static final class Scores extends BaseTrainingListener {
        final List<Double> values = new ArrayList<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            values.add(model.score());
        }
    }

    @Test
    void namesDefaultsAndGraph() {
        MocoV1 m1 = new MocoV1.Builder().backbone(new SmallCnn(12, 12, 1)).build();
        MocoV2 m2 = new MocoV2.Builder().backbone(new SmallCnn(12, 12, 1)).build();
        assertEquals("mocov1", m1.name());
        assertEquals("mocov2", m2.name());
        assertEquals(0.07, m1.temperature());
        assertEquals(0.2, m2.temperature());
        assertEquals(65536, m1.queueSize());
        assertEquals(0.999, m1.momentum());
        assertEquals(0.999, m1.momentumSchedule(100).momentum(12345), "constant, as MoCo's");
        assertEquals(0, m1.projector().hiddenSize(), "MoCo v1: one linear layer");
        assertEquals(128, m1.projector().outputSize());
        assertEquals(m2.backbone().featureSize(), m2.projector().hiddenSize(), "MoCo v2: MLP as wide as the backbone's features");
        assertFalse(m2.projector().batchNormHidden() || m2.projector().batchNormOutput(), "MoCo v2's head has no BN");
        assertFalse(m2.symmetric());
        assertEquals(2, m2.shuffleBnGroups());

        ComputationGraphConfiguration conf = v2(0).configuration();
        InfoNceLoss loss = (InfoNceLoss) layerOf(conf, SslMethod.LOSS);
        assertEquals(20, loss.getQueueSize());
        assertFalse(loss.isBatchNegatives());
        assertFalse(loss.isSymmetric());
        assertEquals(32, loss.getNIn());
        assertTrue(conf.getVertices().containsKey("projector_fc2"));
        assertTrue(layerOf(conf, "target_backbone_conv1") instanceof TrainModeFrozenLayer);
        assertTrue(layerOf(conf, "target_projector_fc2") instanceof TrainModeFrozenLayer);
        assertTrue(v1().configuration().getVertices().containsKey("target_projector_fc"));
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));
        assertEquals("backbone_pool", v2(0).backboneOutput());

        List<TrainingListener> listeners = v2(0).trainingListeners(100);
        assertTrue(listeners.get(0) instanceof EmaTargetListener, "momentum update first");
        assertTrue(listeners.get(1) instanceof KeyQueueListener, "then enqueue");
    }

    @Test
    void queueSmallerThanABatchOfKeysIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MocoV2.Builder()
                .backbone(new SmallCnn(12, 12, 1)).queueSize(16).symmetric(true).batchSize(16).build());
        assertTrue(e.getMessage().contains("smaller than the 32 keys enqueued per iteration"), e.getMessage());
        assertThrows(NullPointerException.class, () -> new MocoV1.Builder().build());
        assertThrows(IllegalArgumentException.class, () -> new MocoV1.Builder().shuffleBn(1));
        // without batchSize(...) the check happens at the first iteration, before the optimizer step
        ComputationGraph g = new MocoV1.Builder().backbone(new SmallCnn(12, 12, 1)).queueSize(4).outputSize(8).build().init();
        g.addListeners(KeyQueueListener.builder().build());
        IllegalStateException late = assertThrows(IllegalStateException.class, () -> g.fit(iterator().next()));
        assertTrue(late.getMessage().contains("holds 4 keys, fewer than the 8 keys"), late.getMessage());
    }

    @Test
    void bothVersionsTrainWithFiniteLossFallingForV2AndAFifoQueue() {
        for (SslMethod m : new SslMethod[] {v1(), v2(0)}) {
            ComputationGraph g = m.init();
            ComputationGraph initial = g.clone();
            for (String p : new String[] {"backbone_conv1_W", "backbone_conv1_mean", "projector_fc2_W"}) {
                String online = p.contains("fc2") && m instanceof MocoV1 ? "projector_fc_W" : p;
                assertEquals(g.getParam(online), g.getParam("target_" + online), "initialize copies online -> target: " + online);
            }
            Scores scores = new Scores();
            g.setListeners(new ArrayList<>(m.trainingListeners(8)));
            g.addListeners(scores);
            TwoViewIterator it = iterator();
            DataSet first = it.next();
            it.reset();
            INDArray targetBefore = g.getParam("target_backbone_conv1_W").dup();
            g.fit(it);   // 4 iterations of 8 pairs: 32 keys through a queue of 20 or 24
            g.fit(it);
            assertEquals(8, scores.values.size());
            for (double s : scores.values) {
                assertTrue(Double.isFinite(s), m.name() + " score " + scores.values);
            }
            assertFalse(g.params().isNaN().any(), m.name());
            // the training scores are not comparable across iterations (the queue's negatives change, from random
            // unit vectors to real keys); compare initial and trained encoders on one batch with the same queue
            initial.getParam("loss_queue").assign(g.getParam("loss_queue"));
            double before = initial.score(first, true);
            double after = g.score(first, true);
            assertTrue(Double.isFinite(before) && Double.isFinite(after), m.name());
            // MoCo v1 (t = 0.07, linear head) only has to stay finite: on 3 near-duplicate prototypes its queue is
            // full of near-positives and 8 steps do not lower it reliably (observed 3.09 -> 3.19)
            assertTrue(m instanceof MocoV1 || after < before, m.name() + " InfoNCE with the final queue should fall: " + before + " -> " + after
                    + " (training scores " + scores.values + ")");
            assertNotEquals(targetBefore, g.getParam("target_backbone_conv1_W"), "the key encoder follows the EMA");
            int k = ((InfoNceLoss) ((LayerVertex) g.getConfiguration().getVertices().get("loss")).getLayerConf().getLayer()).getQueueSize();
            assertEquals((8 * 8) % k, g.getParam("loss_queuePtr").getDouble(0), 0.0, m.name() + ": 64 keys enqueued");
            // the newest keys are the view-2 keys of the last batch, L2-normalised
            assertEquals(1.0, g.getParam("loss_queue").norm2(1).minNumber().doubleValue(), 1e-5);
        }
    }

    @Test
    void queueTargetAndOptimizerStateSurviveModelSerializer(@TempDir File dir) throws Exception {
        MocoV2 moco = v2(0);
        ComputationGraph g = moco.init();
        g.setListeners(new ArrayList<>(moco.trainingListeners(16)));
        g.fit(iterator());
        File f = new File(dir, "moco.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), back.params());
        assertEquals(g.getParam("loss_queue"), back.getParam("loss_queue"));
        assertEquals(g.getParam("loss_queuePtr"), back.getParam("loss_queuePtr"));
        assertEquals(g.getParam("target_projector_fc2_W"), back.getParam("target_projector_fc2_W"));
        assertEquals(g.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        assertEquals(g.getConfiguration().getIterationCount(), back.getConfiguration().getIterationCount());
        assertEquals(4, back.getConfiguration().getIterationCount());
    }

    /**
     * k = 2 iterations, save, restore, m = 2 more with fresh listener instances == 4 iterations in one run
     * (MoCo v1, and MoCo v2 with shuffle BN and a cosine momentum schedule indexed by DL4J's saved iteration count).
     */
    @Test
    void resumedRunEqualsUninterruptedRun(@TempDir File dir) throws Exception {
        for (SslMethod moco : new SslMethod[] {v1(), v2(4)}) {
            ComputationGraph straight = moco.init();
            straight.setListeners(new ArrayList<>(moco.trainingListeners(16)));
            TwoViewIterator it = iterator(16);
            straight.fit(it);
            straight.fit(it);

            ComputationGraph first = moco.init();
            first.setListeners(new ArrayList<>(moco.trainingListeners(16)));
            first.fit(iterator(16));
            File f = new File(dir, moco.name() + ".zip");
            ModelSerializer.writeModel(first, f, true);
            ComputationGraph resumed = ModelSerializer.restoreComputationGraph(f, true);
            resumed.setListeners(new ArrayList<>(moco.trainingListeners(16)));
            TwoViewIterator rest = iterator(16);
            rest.setEpoch(1);
            resumed.fit(rest);

            assertEquals(4, resumed.getConfiguration().getIterationCount());
            double maxAbs = Transforms.abs(straight.params().sub(resumed.params())).maxNumber().doubleValue();
            assertTrue(maxAbs <= 1e-6, moco.name() + ": resumed run differs by " + maxAbs);
            assertEquals(straight.getParam("loss_queue"), resumed.getParam("loss_queue"));
            assertEquals(straight.getParam("loss_queuePtr"), resumed.getParam("loss_queuePtr"));
            assertEquals(straight.getUpdater().getStateViewArray(), resumed.getUpdater().getStateViewArray());
        }
    }

    @Test
    void shuffleBnUsesSplitBatchNormalizationInTheKeyEncoderOnly() {
        MocoV2 moco = v2(4, LayerImplementation.NATIVE);
        ComputationGraphConfiguration conf = moco.configuration();
        TrainModeFrozenLayer bn = (TrainModeFrozenLayer) layerOf(conf, "target_backbone_bn1");
        assertTrue(bn.getLayer() instanceof SplitBatchNormalization);
        assertEquals(4, ((SplitBatchNormalization) bn.getLayer()).getGroups());
        assertTrue(layerOf(conf, "backbone_bn1")
                instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization);
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));

        ComputationGraph g = moco.init();
        assertEquals(g.getParam("backbone_bn2_log10stdev"), g.getParam("target_backbone_bn2_log10stdev"));
        // keys differ from the unsplit key encoder's: statistics per group of 4 rows
        INDArray x = iterator().next().getFeatures();
        ComputationGraph plain = v2(0, LayerImplementation.NATIVE).init();
        plain.setParams(g.params());
        INDArray kSplit = g.feedForward(new INDArray[] {x}, true).get("target_projector_fc2");
        INDArray kPlain = plain.feedForward(new INDArray[] {x}, true).get("target_projector_fc2");
        INDArray qSplit = g.feedForward(new INDArray[] {x}, true).get("projector_fc2");
        INDArray qPlain = plain.feedForward(new INDArray[] {x}, true).get("projector_fc2");
        assertTrue(qSplit.equalsWithEps(qPlain, 1e-5), "queries unchanged");
        assertFalse(kSplit.equalsWithEps(kPlain, 1e-3), "keys normalised per group");
        // the target's running statistics are changed only by the EMA (its backward pass never runs)
        g.setListeners(new ArrayList<>(moco.trainingListeners(16)));
        INDArray before = g.getParam("target_backbone_bn1_mean").dup();
        INDArray onlineBefore = g.getParam("backbone_bn1_mean").dup();
        g.fit(iterator().next());
        INDArray expected = before.mul(0.9).add(g.getParam("backbone_bn1_mean").mul(0.1));
        assertTrue(expected.equalsWithEps(g.getParam("target_backbone_bn1_mean"), 1e-6));
        assertNotEquals(onlineBefore, g.getParam("backbone_bn1_mean"));
    }

    /**
     * Shuffle BN with the fused blocks (the default on the CPU): the key encoder's blocks get the batch-norm groups,
     * the query encoder's do not, and the graph computes what the three-layer blocks with SplitBatchNormalization
     * compute (same parameters in the same order; loss, gradient and keys), so it is the same method.
     */
    @Test
    void shuffleBnGivesTheFusedKeyBlocksBatchNormGroups() {
        MocoV2 fused = v2(4, LayerImplementation.FUSED);
        ComputationGraphConfiguration conf = fused.configuration();
        TrainModeFrozenLayer key = (TrainModeFrozenLayer) layerOf(conf, "target_backbone_conv1");
        assertEquals(4, ((io.github.dl4jssl.layers.NativeConvBnRelu) key.getLayer()).getBatchNormGroups());
        assertEquals(1, ((io.github.dl4jssl.layers.NativeConvBnRelu) layerOf(conf, "backbone_conv1")).getBatchNormGroups());
        assertEquals(conf, ComputationGraphConfiguration.fromJson(conf.toJson()));

        ComputationGraph f = fused.init();
        ComputationGraph s = v2(4, LayerImplementation.NATIVE).init();
        for (var e : f.paramTable().entrySet()) { // by name: SplitBatchNormalization (SameDiff) orders its own
            INDArray three = s.getParam(threeLayerName(e.getKey()));
            assertEquals(three.reshape(three.length()), e.getValue().reshape(three.length()), "same initial " + e.getKey());
            three.assign(e.getValue().reshape(three.shape()));
        }
        DataSet batch = iterator().next();
        INDArray kSplit = s.feedForward(batch.getFeatures(), true).get("target_projector_fc2");
        INDArray kFused = f.feedForward(batch.getFeatures(), true).get("target_projector_fc2");
        assertTrue(kSplit.equalsWithEps(kFused, 1e-4), "keys normalised per group alike");
        ComputationGraph plain = v2(0, LayerImplementation.FUSED).init();
        plain.setParams(f.params());
        assertFalse(kFused.equalsWithEps(plain.feedForward(batch.getFeatures(), true).get("target_projector_fc2"), 1e-3),
                "the groups change the keys");
        for (ComputationGraph g : new ComputationGraph[] {s, f}) {
            g.setInputs(batch.getFeatures());
            g.setLabels(batch.getLabels());
            g.computeGradientAndScore();
        }
        assertEquals(s.score(), f.score(), 1e-4 * Math.abs(s.score()), "InfoNCE loss");
        for (var e : f.gradient().gradientForVariable().entrySet()) {
            INDArray gs = s.gradient().getGradientFor(threeLayerName(e.getKey())).reshape(e.getValue().shape());
            assertTrue(gs.sub(e.getValue()).amaxNumber().doubleValue() <= 1e-3 * Math.max(1, gs.amaxNumber().doubleValue()),
                    "gradient of " + e.getKey() + ": max difference " + gs.sub(e.getValue()).amaxNumber());
        }
    }

    /** The three-layer blocks' name of a fused graph's parameter: backbone_conv1_gamma is backbone_bn1_gamma. */
    private static String threeLayerName(String fused) {
        return fused.replaceAll("conv(\\d)_(gamma|beta|mean|log10stdev|var)$", "bn$1_$2");
    }
}
