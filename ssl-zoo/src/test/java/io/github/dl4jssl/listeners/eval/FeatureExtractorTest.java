package io.github.dl4jssl.listeners.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class FeatureExtractorTest {

    private static ComputationGraph graph;
    private static INDArray images;

    @BeforeAll
    static void setUp() {
        graph = new ComputationGraph(new SmallCnn(8, 8, 1).standalone(11));
        graph.init();
        Nd4j.getRandom().setSeed(5);
        images = Nd4j.rand(DataType.FLOAT, 7, 1, 8, 8);
    }

    @Test
    void batchedExtractionEqualsOneForwardPass() {
        INDArray expected = graph.outputSingle(false, images);
        INDArray features = FeatureExtractor.extract(graph, images, 3); // 3 + 3 + 1
        assertArrayEquals(new long[] {7, 128}, features.shape());
        assertEquals(DataType.FLOAT, features.dataType());
        assertFalse(features.isAttached());
        assertEquals(0.0, features.sub(expected).amaxNumber().doubleValue(), 1e-5);
    }

    @Test
    void imagesOfTheWrongSizeOrChannelCountAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeatureExtractor.extract(graph, Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8), 2));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("1 channel(s)") && e.getMessage().contains("3x8x8"),
                e.getMessage());
        // global pooling: another size works, but not for a backbone declared for 8x8 images
        assertEquals(2, FeatureExtractor.extract(graph, Nd4j.rand(DataType.FLOAT, 2, 1, 12, 12), 2).rows());
        e = assertThrows(IllegalArgumentException.class,
                () -> FeatureExtractor.checkImageShape(new SmallCnn(8, 8, 1).inputType(), new long[] {2, 1, 28, 28}));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("1x8x8") && e.getMessage().contains("1x28x28")
                && e.getMessage().contains("backbone built for"), e.getMessage());
        FeatureExtractor.checkImageShape(new SmallCnn(8, 8, 1).inputType(), new long[] {5, 1, 8, 8});
    }

    @Test
    void iteratorExtractionKeepsLabels() {
        List<DataSet> list = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            INDArray label = Nd4j.zeros(DataType.FLOAT, 1, 3);
            label.putScalar(0, i % 3, 1.0);
            list.add(new DataSet(images.get(NDArrayIndex.interval(i, i + 1)), label));
        }
        FeatureExtractor.Features f = FeatureExtractor.extractWithLabels(graph, new ListDataSetIterator<>(list, 4));
        assertArrayEquals(new long[] {7, 128}, f.features().shape());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2, 0}, f.labels());
        assertEquals(0.0, f.features().sub(FeatureExtractor.extract(graph, images, 7)).amaxNumber().doubleValue(),
                1e-5);
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.extract(graph, images, 0));
        assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.extract(null, images, 2));
    }
}
