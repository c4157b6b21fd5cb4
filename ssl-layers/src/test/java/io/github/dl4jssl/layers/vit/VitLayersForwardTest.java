package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.TestGraphs;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.WeightDecay;

import java.io.File;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Forward passes of the ViT layers against independent plain-ND4J computations (loops over images, heads and
 * patches), variable batch sizes, the frozen patch projection, JSON and ModelSerializer round trips.
 */
class VitLayersForwardTest extends DoublePrecisionTest {

    private static ComputationGraph graph(InputType in, String outName, Object... layers) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).graphBuilder().addInputs("in").setInputTypes(in);
        String prev = "in";
        for (int i = 0; i < layers.length; i += 2) {
            b.addLayer((String) layers[i], (org.deeplearning4j.nn.conf.layers.Layer) layers[i + 1], prev);
            prev = (String) layers[i];
        }
        return TestGraphs.initialized(b.setOutputs(outName).build());
    }

    /** Row-wise layer norm of [rows, D] with scale and shift [1, D]. */
    static INDArray layerNorm(INDArray x, INDArray g, INDArray b, double eps) {
        INDArray c = x.subColumnVector(x.mean(1).reshape(-1, 1));
        INDArray var = c.mul(c).mean(1).reshape(-1, 1);
        return c.divColumnVector(org.nd4j.linalg.ops.transforms.Transforms.sqrt(var.add(eps))).mulRowVector(g).addRowVector(b);
    }

    static INDArray gelu(INDArray x) {
        INDArray out = x.dup();
        for (long i = 0; i < out.length(); i++) {
            double v = out.getDouble(i);
            out.putScalar(i, 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
        }
        return out;
    }

    static INDArray softmaxRows(INDArray s) {
        INDArray out = s.dup();
        for (int r = 0; r < s.rows(); r++) {
            double max = s.getRow(r).maxNumber().doubleValue();
            double sum = 0;
            for (int c = 0; c < s.columns(); c++) {
                sum += Math.exp(s.getDouble(r, c) - max);
            }
            for (int c = 0; c < s.columns(); c++) {
                out.putScalar(r, c, Math.exp(s.getDouble(r, c) - max) / sum);
            }
        }
        return out;
    }

    /** The pre-norm block on one image's tokens X [N, D], head by head. */
    static INDArray blockByHand(INDArray x, Map<String, INDArray> p, int heads) {
        long d = x.columns();
        long dh = d / heads;
        INDArray h = layerNorm(x, p.get("ln1g"), p.get("ln1b"), 1e-6);
        INDArray q = h.mmul(p.get("Wq")).addRowVector(p.get("bq"));
        INDArray k = h.mmul(p.get("Wk")).addRowVector(p.get("bk"));
        INDArray v = h.mmul(p.get("Wv")).addRowVector(p.get("bv"));
        INDArray concat = Nd4j.zeros(DataType.DOUBLE, x.rows(), d);
        for (int j = 0; j < heads; j++) {
            NDArrayIndex.interval(0, 1);
            INDArray qj = q.get(NDArrayIndex.all(), NDArrayIndex.interval(j * dh, (j + 1) * dh));
            INDArray kj = k.get(NDArrayIndex.all(), NDArrayIndex.interval(j * dh, (j + 1) * dh));
            INDArray vj = v.get(NDArrayIndex.all(), NDArrayIndex.interval(j * dh, (j + 1) * dh));
            INDArray a = softmaxRows(qj.mmul(kj.transpose()).div(Math.sqrt(dh)));
            concat.get(NDArrayIndex.all(), NDArrayIndex.interval(j * dh, (j + 1) * dh)).assign(a.mmul(vj));
        }
        INDArray x1 = x.add(concat.mmul(p.get("Wo")).addRowVector(p.get("bo")));
        INDArray h2 = layerNorm(x1, p.get("ln2g"), p.get("ln2b"), 1e-6);
        INDArray mlp = gelu(h2.mmul(p.get("W1")).addRowVector(p.get("b1"))).mmul(p.get("W2")).addRowVector(p.get("b2"));
        return x1.add(mlp);
    }

    @Test
    void encoderBlockEqualsPlainNd4j() {
        int heads = 3;
        ComputationGraph g = graph(InputType.recurrent(6, 5, RNNFormat.NWC), "block",
                "block", new TransformerEncoderBlock.Builder().heads(heads).mlpRatio(2).build());
        Layer block = g.getLayer("block");
        for (String n : new String[] {"ln1g", "ln2g"}) {
            block.getParam(n).assign(Nd4j.rand(DataType.DOUBLE, 1, 6).addi(0.5));
        }
        for (String n : new String[] {"ln1b", "ln2b", "bq", "bk", "bv", "bo", "b1", "b2"}) {
            block.getParam(n).assign(Nd4j.randn(DataType.DOUBLE, block.getParam(n).shape()).muli(0.3));
        }
        for (int batch : new int[] {2, 5}) {            // the graph reshapes with a runtime batch size
            INDArray x = Nd4j.randn(DataType.DOUBLE, batch, 5, 6).muli(2);
            INDArray out = g.outputSingle(x);
            assertArrayEquals(new long[] {batch, 5, 6}, out.shape());
            for (int b = 0; b < batch; b++) {
                INDArray expected = blockByHand(x.slice(b), block.paramTable(), heads);
                assertTrue(expected.equalsWithEps(out.slice(b), 1e-10), "image " + b + " of batch " + batch
                        + ":\n" + expected + "\nvs\n" + out.slice(b));
            }
        }
    }

    @Test
    void patchEmbeddingEqualsPatchByPatchProjection() {
        ComputationGraph g = graph(InputType.convolutional(4, 6, 2), "patch",
                "patch", new PatchEmbedding.Builder().patchSize(2).embedDim(3).build());
        INDArray w = g.getLayer("patch").getParam("W");
        g.getLayer("patch").getParam("b").assign(Nd4j.randn(DataType.DOUBLE, 1, 3));
        INDArray bias = g.getLayer("patch").getParam("b");
        INDArray x = Nd4j.randn(DataType.DOUBLE, 3, 2, 4, 6);
        INDArray out = g.outputSingle(x);
        assertArrayEquals(new long[] {3, 6, 3}, out.shape());
        for (int b = 0; b < 3; b++) {
            for (int ph = 0; ph < 2; ph++) {
                for (int pw = 0; pw < 3; pw++) {
                    for (int e = 0; e < 3; e++) {
                        double sum = bias.getDouble(0, e);
                        int row = 0;
                        for (int c = 0; c < 2; c++) {
                            for (int i = 0; i < 2; i++) {
                                for (int j = 0; j < 2; j++) {
                                    sum += x.getDouble(b, c, 2 * ph + i, 2 * pw + j) * w.getDouble(row++, e);
                                }
                            }
                        }
                        assertEquals(sum, out.getDouble(b, ph * 3 + pw, e), 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void sinCosPositionsByHand() {
        // D = 8: quarter 2, omega = (1, 1/100); patch (row 1, column 2) of a 2 x 3 grid is token 1 + 1 * 3 + 2 = 6
        INDArray pos = ClassTokenPositionEmbedding.sinCos2d(2, 3, 8, DataType.DOUBLE);
        assertEquals(0.0, pos.getRow(0).norm2Number().doubleValue(), 0.0, "class token position must be zero");
        double[] expected = {Math.sin(2), Math.sin(0.02), Math.cos(2), Math.cos(0.02),
                Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01)};
        for (int i = 0; i < 8; i++) {
            assertEquals(expected[i], pos.getDouble(6, i), 1e-12);
        }
        ComputationGraph g = graph(InputType.recurrent(8, 6, RNNFormat.NWC), "cls",
                "cls", new ClassTokenPositionEmbedding.Builder().grid(2, 3)
                        .positions(ClassTokenPositionEmbedding.Positions.SINCOS_2D).build());
        assertEquals(8, g.getLayer("cls").numParams(), "sin-cos positions are not parameters: only the class token");
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 6, 8);
        INDArray out = g.outputSingle(x);
        INDArray cls = g.getLayer("cls").getParam("cls");
        for (int b = 0; b < 2; b++) {
            assertTrue(out.slice(b).getRow(0).equalsWithEps(cls.reshape(8), 1e-12));
            assertTrue(out.slice(b).get(NDArrayIndex.interval(1, 7), NDArrayIndex.all())
                    .equalsWithEps(x.slice(b).add(pos.get(NDArrayIndex.interval(1, 7), NDArrayIndex.all())), 1e-12));
        }
    }

    @Test
    void poolingClassTokenOrMeanAfterLayerNorm() {
        for (TokenPooling.Pooling pooling : TokenPooling.Pooling.values()) {
            ComputationGraph g = graph(InputType.recurrent(4, 3, RNNFormat.NWC), "pool",
                    "pool", new TokenPooling.Builder().pooling(pooling).build());
            g.getLayer("pool").getParam("lng").assign(Nd4j.rand(DataType.DOUBLE, 1, 4).addi(0.5));
            g.getLayer("pool").getParam("lnb").assign(Nd4j.randn(DataType.DOUBLE, 1, 4));
            INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, 4);
            INDArray out = g.outputSingle(x);
            for (int b = 0; b < 2; b++) {
                INDArray normed = layerNorm(x.slice(b), g.getLayer("pool").getParam("lng"), g.getLayer("pool").getParam("lnb"), 1e-6);
                INDArray expected = pooling == TokenPooling.Pooling.CLASS_TOKEN ? normed.getRow(0)
                        : normed.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all()).mean(0);
                assertTrue(expected.reshape(4).equalsWithEps(out.getRow(b).reshape(4), 1e-12), pooling.toString());
            }
        }
    }

    private static ComputationGraph tinyVit(boolean frozen) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(5)
                .dataType(DataType.DOUBLE).updater(new Adam(1e-2)).weightDecay(0.1).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 1));
        b.addLayer("patch", new PatchEmbedding.Builder().patchSize(2).embedDim(4).frozen(frozen).build(), "in");
        b.addLayer("cls", new ClassTokenPositionEmbedding.Builder().grid(2, 2).build(), "patch");
        b.addLayer("block", new TransformerEncoderBlock.Builder().heads(2).mlpRatio(1).build(), "cls");
        b.addLayer("pool", new TokenPooling.Builder().build(), "block");
        return VitLayersGradientTest.withOutput(b, "pool");
    }

    @Test
    void frozenPatchEmbeddingKeepsItsWeightsAndDoesNoGradientWork() {
        ComputationGraph g = tinyVit(true);
        INDArray w0 = g.getLayer("patch").getParam("W").dup();
        INDArray b0 = g.getLayer("patch").getParam("b").dup();
        INDArray block0 = g.getLayer("block").getParam("Wq").dup();
        MultiDataSet data = new MultiDataSet(Nd4j.randn(DataType.DOUBLE, 6, 1, 4, 4), Nd4j.rand(DataType.DOUBLE, 6, 3));
        for (int i = 0; i < 3; i++) {
            g.fit(data);
            assertEquals(0.0, g.getLayer("patch").getGradientsViewArray().norm2Number().doubleValue(), 0.0,
                    "a frozen patch projection gets no gradient");
        }
        assertEquals(w0, g.getLayer("patch").getParam("W"), "frozen W must not change (no update, no weight decay)");
        assertEquals(b0, g.getLayer("patch").getParam("b"));
        assertNotEquals(block0, g.getLayer("block").getParam("Wq"), "the other layers still train");

        ComputationGraph trainable = tinyVit(false);
        INDArray t0 = trainable.getLayer("patch").getParam("W").dup();
        trainable.fit(data);
        assertNotEquals(t0, trainable.getLayer("patch").getParam("W"), "without frozen the projection trains");
    }

    @Test
    void jsonAndModelSerializerRoundTrip(@TempDir File dir) throws Exception {
        ComputationGraph g = tinyVit(true);
        String json = g.getConfiguration().toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(json, back.toJson());
        PatchEmbedding patch = (PatchEmbedding) ((org.deeplearning4j.nn.conf.graph.LayerVertex) back.getVertices().get("patch"))
                .getLayerConf().getLayer();
        assertTrue(patch.isFrozen());
        assertEquals(2, patch.getPatchSize());
        assertTrue(patch.getRegularizationByParam("W").isEmpty(), "no weight decay on a frozen projection");
        assertInstanceOf(Sgd.class, patch.getUpdaterByParam("W"));
        assertInstanceOf(WeightDecay.class, tinyVit(false).getLayer("patch").conf().getLayer().getRegularizationByParam("W").get(0),
                "a trainable projection keeps the network's weight decay");
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 1, 4, 4);
        g.fit(new MultiDataSet(x, Nd4j.rand(DataType.DOUBLE, 4, 3)));
        File f = new File(dir, "vit.zip");
        ModelSerializer.writeModel(g, f, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
        assertEquals(g.params(), restored.params());
        assertEquals(g.outputSingle(x), restored.outputSingle(x));
        INDArray y = Nd4j.rand(DataType.DOUBLE, 4, 3);
        g.fit(new MultiDataSet(x, y));
        restored.fit(new MultiDataSet(x, y));
        assertTrue(g.params().equalsWithEps(restored.params(), 1e-12), "the restored model (with its Adam state) trains identically");
    }

    @Test
    void badInputRejectedWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> graph(InputType.convolutional(28, 28, 1),
                "patch", "patch", new PatchEmbedding.Builder().patchSize(5).embedDim(4).build()));
        assertTrue(e.getMessage().contains("not divisible by the patch size 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> graph(InputType.recurrent(6, 3, RNNFormat.NWC), "block",
                "block", new TransformerEncoderBlock.Builder().heads(4).build()));
        assertTrue(e.getMessage().contains("not divisible by 4 heads"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> graph(InputType.recurrent(6, 6, RNNFormat.NWC), "cls",
                "cls", new ClassTokenPositionEmbedding.Builder().grid(2, 3).positions(ClassTokenPositionEmbedding.Positions.SINCOS_2D).build()));
        assertTrue(e.getMessage().contains("divisible by 4"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> graph(InputType.feedForward(6), "pool",
                "pool", new TokenPooling.Builder().build()));
        assertTrue(e.getMessage().contains("expects tokens [B, T, D]"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new PatchEmbedding.Builder().patchSize(4).build());
    }

    /** The layers' Builders are DL4J's SameDiff layer Builders: a per-layer optimizer and L2 reach the layer's parameters. */
    @Test
    void buildersTakeDl4jsPerLayerSettings() {
        ComputationGraph g = graph(InputType.convolutional(8, 8, 1), "block",
                "patch", new PatchEmbedding.Builder().patchSize(4).embedDim(6).updater(new Adam(0.01)).l2(0.5).build(),
                "cls", new ClassTokenPositionEmbedding.Builder().grid(2, 2).build(),
                "block", new TransformerEncoderBlock.Builder().heads(2).name("ignored: the vertex name wins").build());
        org.deeplearning4j.nn.conf.layers.Layer patch = g.getLayer("patch").conf().getLayer();
        assertInstanceOf(Adam.class, patch.getUpdaterByParam(PatchEmbedding.WEIGHT), "the layer's own optimizer");
        assertEquals(0.01, ((Adam) patch.getUpdaterByParam(PatchEmbedding.WEIGHT)).getLearningRate(), 0.0);
        assertFalse(patch.getRegularizationByParam(PatchEmbedding.WEIGHT).isEmpty(), "the layer's own L2");
        assertInstanceOf(Sgd.class, g.getLayer("block").conf().getLayer().getUpdaterByParam("Wq"), "the network's optimizer");
        assertEquals("block", g.getLayer("block").conf().getLayer().getLayerName());
    }
}
