package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class TrainingRegimeTest {

    /** All rounds of a regime, concatenated. */
    private static int[] sequence(TrainingRegime r, int rounds) {
        return IntStream.range(0, rounds).flatMap(i -> Arrays.stream(r.round(i))).toArray();
    }

    private static Set<Integer> set(int[] seq, int from, int to) {
        return Arrays.stream(seq, from, to).boxed().collect(Collectors.toSet());
    }

    @Test
    void multiEpochRepeatsTheSameImagesEveryRound() {
        TrainingRegime plain = TrainingRegime.multiEpoch(6, false, 1);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5}, sequence(plain, 2));
        TrainingRegime shuffled = TrainingRegime.byName("multi-epoch", 100, 6, 3, 4, 2, 1);
        for (int r = 0; r < 3; r++) {
            int[] sorted = shuffled.round(r).clone();
            Arrays.sort(sorted);
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5}, sorted, "round " + r + " is a permutation of images 0..5");
        }
        assertFalse(Arrays.equals(shuffled.round(0), shuffled.round(1)));
        assertArrayEquals(shuffled.round(2), TrainingRegime.multiEpoch(6, true, 1).round(2));
        assertEquals(6, shuffled.distinctImages());
        assertEquals(Integer.MAX_VALUE, shuffled.rounds());
    }

    @Test
    void continualSeesEachImageOnceInChunkOrder() {
        // pool 20, budget 3 rounds x 4 = 12 images, chunks of 4
        TrainingRegime r = TrainingRegime.continual(20, 4, 3, 4, 9);
        int[] seq = sequence(r, 3);
        assertEquals(12, seq.length);
        assertEquals(12, set(seq, 0, 12).size(), "every image exactly once: " + Arrays.toString(seq));
        assertTrue(Arrays.stream(seq).allMatch(i -> i >= 0 && i < 20));
        assertEquals(12, r.distinctImages());
        assertArrayEquals(seq, sequence(TrainingRegime.continual(20, 4, 3, 4, 9), 3), "seeded");
        assertFalse(Arrays.equals(seq, sequence(TrainingRegime.continual(20, 4, 3, 4, 10), 3)));
        // the stream does not depend on the chunk size, only the order inside a chunk does
        assertEquals(set(seq, 0, 12), set(sequence(TrainingRegime.continual(20, 4, 3, 6, 9), 3), 0, 12));
        assertThrows(IllegalArgumentException.class, () -> r.round(3));
    }

    @Test
    void hybridTrainsEachChunkForItsPassesBeforeTheNext() {
        // pool 20, budget 12 images at 2 passes: 6 distinct images in chunks of 3: A A' B B' (primes: new orders)
        TrainingRegime r = TrainingRegime.hybrid(20, 4, 3, 3, 2, 5);
        int[] seq = sequence(r, 3);
        assertEquals(6, r.distinctImages());
        Set<Integer> a = set(seq, 0, 3);
        Set<Integer> b = set(seq, 6, 9);
        assertEquals(3, a.size());
        assertEquals(3, b.size());
        assertEquals(a, set(seq, 3, 6), "second pass over chunk A: " + Arrays.toString(seq));
        assertEquals(b, set(seq, 9, 12), "second pass over chunk B: " + Arrays.toString(seq));
        Set<Integer> both = new HashSet<>(a);
        both.addAll(b);
        assertEquals(6, both.size(), "chunks are disjoint");
        // the continual stream with the same seed visits the same images first: the chunks are its blocks
        int[] stream = sequence(TrainingRegime.continual(20, 6, 1, 3, 5), 1);
        assertEquals(set(stream, 0, 3), a);
        assertEquals(set(stream, 3, 6), b);

        // a budget that is no multiple of chunk x passes: 11 images at 2 passes = 6 distinct, last pass cut short
        TrainingRegime cut = TrainingRegime.hybrid(20, 11, 1, 3, 2, 5);
        int[] s = cut.round(0);
        assertEquals(11, s.length);
        assertArrayEquals(Arrays.copyOf(seq, 11), s, "the same stream, cut after 11 images");
    }

    @Test
    void everyRegimeSpendsTheSameBudget() {
        // 30 distinct 2x2 images; a budget of 3 rounds x 8 images, batches of 3
        float[] pixels = new float[30 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i / (float) pixels.length;
        }
        LabelledImages data = LabelledImages.unlabelled(Nd4j.create(pixels, new long[] {30, 1, 2, 2}, 'c'));
        List<TrainingRegime> regimes = List.of(TrainingRegime.byName("multi-epoch", 30, 8, 3, 4, 2, 1),
                TrainingRegime.byName("continual", 30, 8, 3, 4, 1, 1),
                TrainingRegime.byName("hybrid", 30, 8, 3, 4, 3, 1));
        int[] distinct = {8, 24, 8};
        for (int k = 0; k < 3; k++) {
            assertEquals(distinct[k], regimes.get(k).distinctImages(), regimes.get(k).name());
        }
        for (TrainingRegime r : regimes) {
            TwoViewIterator it = TwoViewIterator.builder(data).batchSize(3).pipeline(AugmentationPipeline.identity())
                    .regime(r).workers(0).build();
            int images = 0;
            for (int round = 0; round < 3; round++) {
                int pos = 0;
                while (it.hasNext()) {
                    DataSet ds = it.next();
                    for (int i = 0; i < 3; i++) {
                        int src = TwoViewIteratorTest.source(data, TwoViewIteratorTest.row(ds, i));
                        assertEquals(r.round(round)[pos + i], src, r.name() + " round " + round + " position " + (pos + i));
                    }
                    pos += 3;
                    images += 3;
                }
                assertEquals(6, pos, "floor(8 / 3) = 2 batches per round");
                if (round < 2) {
                    it.reset();
                }
            }
            assertEquals(18, images, r.name());
            if (r.rounds() == 3) {
                assertThrows(NoSuchElementException.class, it::reset, "the stream ends with its budget");
            }
        }
        // continual needs 24 distinct images for that budget: a 10-image data set is refused
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRegime.byName("continual", 10, 8, 3, 4, 1, 1));
        assertTrue(e.getMessage().contains("needs 24 distinct images") && e.getMessage().contains("has 10")
                && e.getMessage().contains("--passes"), e.getMessage());
    }

    @Test
    void badNamesAndSettingsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingRegime.byName("online", 10, 5, 1, 5, 1, 1));
        assertTrue(e.getMessage().contains("multi-epoch, continual, hybrid"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainingRegime.hybrid(10, 5, 1, 5, 1, 1));
        assertTrue(e.getMessage().contains("at least 2 passes"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TrainingRegime.continual(10, 5, 1, 0, 1));
        e = assertThrows(IllegalArgumentException.class, () -> TrainingRegime.byName("multi-epoch", 10, 11, 1, 5, 1, 1));
        assertTrue(e.getMessage().contains("11"), e.getMessage());
    }
}
