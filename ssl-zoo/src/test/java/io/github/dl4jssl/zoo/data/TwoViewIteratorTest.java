package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.transforms.ImageTransform;
import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class TwoViewIteratorTest {
    static final int N_IMAGES = 10;
    static final int SIDE = 6;

    /** 10 greyscale 6x6 images whose pixels are all distinct; image i has label i % 3. */
    static LabelledImages data(boolean labelled) {
        int len = SIDE * SIDE;
        float[] v = new float[N_IMAGES * len];
        for (int i = 0; i < v.length; i++) {
            v[i] = i / (float) v.length;
        }
        int[] labels = new int[N_IMAGES];
        for (int i = 0; i < N_IMAGES; i++) {
            labels[i] = i % 3;
        }
        return new LabelledImages(Nd4j.create(v, new long[] {N_IMAGES, 1, SIDE, SIDE}, 'c'),
                labelled ? labels : null, 3);
    }

    static TwoViewIterator.Builder builder(AugmentationPipeline p) {
        return TwoViewIterator.builder(data(true)).batchSize(4).pipeline(p).seed(7);
    }

    static AugmentationPipeline augment() {
        return AugmentationPipeline.builder().randomResizedCrop(SIDE, 0.2, 1).horizontalFlip(0.5)
                .colorJitter(0.8, 0.4, 0.4, 0, 0).build();
    }

    static float[] row(DataSet ds, int r) {
        return ds.getFeatures().get(NDArrayIndex.point(r)).dup().data().asFloat();
    }

    /** Index of the source image a row (under the identity pipeline) equals. */
    static int source(LabelledImages d, float[] row) {
        for (int i = 0; i < d.size(); i++) {
            if (java.util.Arrays.equals(d.image(i), row)) {
                return i;
            }
        }
        return -1;
    }

    static List<DataSet> epoch(org.nd4j.linalg.dataset.api.iterator.DataSetIterator it) {
        List<DataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            DataSet ds = it.next();
            out.add(new DataSet(ds.getFeatures().dup(), ds.getLabels().dup()));
        }
        return out;
    }

    @Test
    void shapesAndDropLast() {
        TwoViewIterator it = builder(augment()).build();
        assertEquals(2, it.batchesPerEpoch());
        assertEquals(8, it.batch());
        assertEquals(3, it.totalOutcomes());
        assertEquals(SIDE * SIDE, it.inputColumns());
        assertTrue(it.asyncSupported());
        assertTrue(it.resetSupported());
        List<DataSet> batches = epoch(it);
        assertEquals(2, batches.size()); // 10 images, 4 per batch: the last 2 are dropped
        for (DataSet ds : batches) {
            assertArrayEquals(new long[] {8, 1, SIDE, SIDE}, ds.getFeatures().shape());
            assertArrayEquals(new long[] {8, 3}, ds.getLabels().shape());
        }
        assertThrows(NoSuchElementException.class, it::next);
    }

    @Test
    void identityViewsEqualEachOtherAndTheSource() {
        LabelledImages d = data(true);
        TwoViewIterator it = TwoViewIterator.builder(d).batchSize(4).pipeline(AugmentationPipeline.identity())
                .shuffle(false).build();
        DataSet ds = it.next();
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(row(ds, i), row(ds, i + 4));
            assertArrayEquals(d.image(i), row(ds, i));
        }
    }

    @Test
    void labelsAreDuplicatedForBothViews() {
        LabelledImages d = data(true);
        TwoViewIterator it = TwoViewIterator.builder(d).batchSize(4).pipeline(AugmentationPipeline.identity())
                .seed(3).build();
        for (DataSet ds : epoch(it)) {
            INDArray labels = ds.getLabels();
            for (int i = 0; i < 4; i++) {
                int src = source(d, row(ds, i));
                assertTrue(src >= 0);
                assertEquals(labels.getRow(i), labels.getRow(i + 4));
                assertEquals(1f, labels.getFloat(i, d.label(src)), 0f);
                assertEquals(1f, labels.getRow(i).sumNumber().floatValue(), 0f);
            }
        }
        TwoViewIterator unlabelled = TwoViewIterator.builder(data(false)).batchSize(3)
                .pipeline(AugmentationPipeline.identity()).build();
        DataSet ds = unlabelled.next();
        assertArrayEquals(new long[] {6, 1}, ds.getLabels().shape());
        assertEquals(0f, ds.getLabels().sumNumber().floatValue(), 0f);
        assertEquals(1, unlabelled.totalOutcomes());
    }

    @Test
    void augmentedViewsDiffer() {
        DataSet ds = builder(augment()).build().next();
        for (int i = 0; i < 4; i++) {
            assertFalse(java.util.Arrays.equals(row(ds, i), row(ds, i + 4)), "views of row " + i);
        }
        assertTrue(ds.getFeatures().minNumber().doubleValue() >= 0);
        assertTrue(ds.getFeatures().maxNumber().doubleValue() <= 1);
    }

    @Test
    void sameSeedGivesIdenticalBatchesWhetherParallelOrNot() {
        List<DataSet> a = epoch(builder(augment()).build());
        List<DataSet> b = epoch(builder(augment()).parallel(false).build());
        assertEquals(a, b);
        assertNotEquals(a, epoch(builder(augment()).seed(8).build()));
    }

    @Test
    void epochsChangeOrderAndCanBeResumed() {
        TwoViewIterator it = builder(AugmentationPipeline.identity()).build();
        it.reset(); // a reset before the first batch keeps epoch 0
        assertEquals(0, it.getEpoch());
        List<DataSet> e0 = epoch(it);
        it.reset();
        assertEquals(1, it.getEpoch());
        List<DataSet> e1 = epoch(it);
        assertNotEquals(e0.get(0).getFeatures(), e1.get(0).getFeatures());

        TwoViewIterator resumed = builder(AugmentationPipeline.identity()).build();
        resumed.setEpoch(1);
        assertEquals(e1, epoch(resumed));
    }

    @Test
    void positionIsReportedAndRestoredMidEpoch() {
        // 10 images, batch 4: two batches per epoch; augmented views, so the restored batch must match exactly
        TwoViewIterator it = builder(augment()).build();
        epoch(it);
        it.reset();
        it.next();
        assertArrayEquals(new int[] {1, 1}, it.position());
        List<DataSet> rest = epoch(it);
        it.reset();
        List<DataSet> next = epoch(it);

        TwoViewIterator resumed = builder(augment()).build();
        resumed.setPosition(1, 1);
        assertArrayEquals(new int[] {1, 1}, resumed.position());
        assertEquals(rest, epoch(resumed));
        resumed.reset();
        assertEquals(2, resumed.getEpoch());
        assertEquals(next, epoch(resumed));

        TwoViewIterator atEnd = builder(augment()).build();
        atEnd.setPosition(1, 2);
        assertFalse(atEnd.hasNext());
        atEnd.reset();
        assertEquals(next, epoch(atEnd));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> atEnd.setPosition(0, 3));
        assertTrue(e.getMessage().contains("outside [0, 2]"), e.getMessage());
    }

    @Test
    void asyncWrapperYieldsTheSameBatches() {
        List<DataSet> direct = epoch(builder(augment()).build());
        AsyncDataSetIterator async = new AsyncDataSetIterator(builder(augment()).build(), 2);
        try {
            assertEquals(direct, epoch(async));
        } finally {
            async.shutdown();
        }
    }

    /** An identity transform that sleeps a random (unseeded) time, so that workers finish in a random order. */
    static final class Jitter implements ImageTransform {
        @Override
        public float[] apply(float[] chw, int c, int h, int w, java.util.Random rnd) {
            try {
                Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(3));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return chw;
        }
    }

    @Test
    void batchesDoNotDependOnTheWorkersOrTheirTiming() {
        AugmentationPipeline jittered = AugmentationPipeline.builder().add(new Jitter()).randomResizedCrop(SIDE, 0.2, 1)
                .horizontalFlip(0.5).colorJitter(0.8, 0.4, 0.4, 0, 0).build();
        TwoViewIterator reference = TwoViewIterator.builder(data(true)).batchSize(2).pipeline(augment()).seed(7)
                .workers(0).build();
        List<DataSet> expected = epoch(reference);
        reference.reset();
        expected.addAll(epoch(reference));
        for (int[] wp : new int[][] {{1, 1}, {3, 2}, {4, 5}}) {
            TwoViewIterator it = TwoViewIterator.builder(data(true)).batchSize(2).pipeline(jittered).seed(7)
                    .workers(wp[0]).prefetch(wp[1]).build();
            try {
                List<DataSet> got = epoch(it);
                it.reset();
                got.addAll(epoch(it));
                assertEquals(expected, got, "workers " + wp[0] + ", prefetch " + wp[1]);
            } finally {
                it.shutdown();
            }
        }
        // a batch of another size in between (the queue is dropped) and a jump to an epoch: still the same views
        TwoViewIterator it = TwoViewIterator.builder(data(true)).batchSize(2).pipeline(augment()).seed(7)
                .workers(2).build();
        DataSet first = it.next(4);
        assertArrayEquals(row(expected.get(0), 0), row(first, 0));
        assertArrayEquals(row(expected.get(0), 2), row(first, 4), "second view of the first image");
        assertEquals(expected.get(2), it.next());
        it.setEpoch(1);
        assertEquals(expected.get(5), it.next());
        it.shutdown();
    }

    @Test
    void multiViewBatchesStackEveryViewOfTheSameImages() {
        LabelledImages d = data(true);
        AugmentationPipeline crop = AugmentationPipeline.builder().randomResizedCrop(SIDE, 0.2, 0.5).build();
        TwoViewIterator it = TwoViewIterator.builder(d).batchSize(3)
                .viewPipelines(List.of(AugmentationPipeline.identity(), AugmentationPipeline.identity(), crop))
                .seed(2).build();
        assertEquals(3, it.numViews());
        assertEquals(9, it.batch());
        DataSet ds = it.next();
        assertArrayEquals(new long[] {9, 1, SIDE, SIDE}, ds.getFeatures().shape());
        for (int i = 0; i < 3; i++) {
            int src = source(d, row(ds, i));
            assertTrue(src >= 0);
            assertArrayEquals(row(ds, i), row(ds, i + 3), "views 0 and 1 (identity) of image " + src);
            assertFalse(java.util.Arrays.equals(row(ds, i), row(ds, i + 6)), "view 2 is cropped");
            for (int v = 0; v < 3; v++) {
                assertEquals(1f, ds.getLabels().getFloat(i + 3 * v, d.label(src)), 0f);
            }
        }
        it.shutdown();
        assertThrows(IllegalArgumentException.class,
                () -> TwoViewIterator.builder(d).viewPipelines(List.of(AugmentationPipeline.identity())));
    }

    @Test
    void anImageRepeatedWithinAnEpochGetsNewViews() {
        // hybrid: one chunk of 4 images, 2 passes in a round of 8: every image twice per epoch
        LabelledImages d = data(true);
        TwoViewIterator it = TwoViewIterator.builder(d).batchSize(4).pipeline(augment()).seed(1)
                .regime(TrainingRegime.hybrid(10, 8, 1, 4, 2, 1)).workers(0).build();
        int[] order = it.regime().round(0);
        List<DataSet> batches = epoch(it);
        assertEquals(2, batches.size());
        for (int i = 0; i < 4; i++) {
            int again = -1;
            for (int j = 0; j < 4; j++) {
                again = order[4 + j] == order[i] ? j : again;
            }
            assertTrue(again >= 0, "the second pass repeats image " + order[i]);
            assertFalse(java.util.Arrays.equals(row(batches.get(0), i), row(batches.get(1), again)),
                    "image " + order[i] + " is augmented afresh in its second pass");
        }
    }

    @Test
    void validation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder(augment()).batchSize(1).build());
        assertTrue(e.getMessage().contains("NT-Xent needs at least 2 images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder(augment()).batchSize(11).build());
        assertTrue(e.getMessage().contains("larger than the data set"), e.getMessage());
        assertThrows(NullPointerException.class, () -> TwoViewIterator.builder(null));
        assertThrows(IllegalStateException.class, () -> TwoViewIterator.builder(data(true)).build());
        AugmentationPipeline smaller = AugmentationPipeline.builder().randomResizedCrop(4, 0.5, 1).build();
        assertThrows(IllegalArgumentException.class,
                () -> builder(augment()).secondPipeline(smaller).build());
    }
}
