package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.zoo.backbone.SmallCnn;
import io.github.dl4jssl.zoo.method.SslMethods;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LayerTimes}: every vertex timed once, fed the inputs the whole graph gives it. */
class LayerTimesTest {

    private static ComputationGraph graph(String method) {
        return SslMethods.create(method, new SmallCnn(12, 12, 1), new SslMethods.Options(null, null, 16, 4, 42)).init();
    }

    /**
     * One row per non-input vertex, in the graph's topological order, and each vertex's timed forward pass gives
     * exactly the activation the whole graph's training-mode forward pass gives it: the harness wires every vertex
     * to its real inputs (SimCLR: a plain chain; MoCo v2: a frozen key encoder, a queue and several inputs).
     */
    @ParameterizedTest
    @ValueSource(strings = {"simclr", "mocov2"})
    void timesEveryVertexOnItsRealInputs(String method) {
        ComputationGraph g = graph(method);
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 1, 12, 12);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 1);
        Map<String, INDArray> expected = g.feedForward(new INDArray[]{x}, true, false);
        Map<String, INDArray> outputs = new HashMap<>();
        List<LayerTimes.Row> rows = LayerTimes.measure(g, new INDArray[]{x}, new INDArray[]{y}, 1, 2, outputs);

        List<String> vertices = new ArrayList<>();
        for (int i : g.topologicalSortOrder()) {
            GraphVertex v = g.getVertices()[i];
            if (!v.isInputVertex()) {
                vertices.add(v.getVertexName());
            }
        }
        assertEquals(vertices, rows.stream().map(LayerTimes.Row::vertex).toList());
        for (LayerTimes.Row r : rows) {
            assertTrue(r.forwardMs() >= 0 && r.backwardMs() >= 0 && Double.isFinite(r.totalMs()), r.toString());
            INDArray want = expected.get(r.vertex());
            assertArrayEquals(want.shape(), r.outputShape(), r.vertex());
            assertTrue(want.equalsWithEps(outputs.get(r.vertex()), 1e-5), r.vertex() + ": timed output differs from the graph's");
        }
        assertTrue(rows.stream().anyMatch(r -> List.of("NativeConvolutionLayerImpl", "NativeConvBnReluImpl").contains(r.type())),
                "the backbone's convolutions (three-layer or fused blocks) are timed");
        // MoCo's key encoder: frozen copies, named with the layer they wrap
        assertEquals(method.equals("mocov2"), rows.stream().anyMatch(r -> List.of("frozen NativeConvolutionLayerImpl",
                "frozen NativeConvBnReluImpl").contains(r.type())));
    }

    @Test
    void medianAndTable() {
        assertEquals(2.0, LayerTimes.median(new double[]{3, 1, 2}));
        assertEquals(2.5, LayerTimes.median(new double[]{4, 1, 2, 3}));
        List<LayerTimes.Row> rows = List.of(
                new LayerTimes.Row("conv", "A", new long[]{2, 1}, new long[]{2, 3}, 1.0, 2.0),
                new LayerTimes.Row("bn", "B", new long[]{2, 3}, new long[]{2, 3}, 0.5, 0.5),
                new LayerTimes.Row("conv2", "A", new long[]{2, 3}, new long[]{2, 3}, 3.0, 3.0));
        String table = LayerTimes.table(rows);
        assertTrue(table.contains("30.0%"), table);   // conv: 3 of 10 ms
        assertTrue(table.contains("10.0%"), table);   // bn: 1 of 10 ms
        Map<String, double[]> byType = LayerTimes.byType(rows);
        assertEquals(List.of("A", "B"), new ArrayList<>(byType.keySet()));
        assertArrayEquals(new double[]{4.0, 5.0}, byType.get("A"));
    }

    @Test
    void badRepetitionCountsAreRefused() {
        ComputationGraph g = graph("simclr");
        INDArray[] x = {Nd4j.rand(DataType.FLOAT, 8, 1, 12, 12)};
        assertThrows(IllegalArgumentException.class, () -> LayerTimes.measure(g, x, null, -1, 1, null));
        assertThrows(IllegalArgumentException.class, () -> LayerTimes.measure(g, x, null, 0, 0, null));
    }
}
