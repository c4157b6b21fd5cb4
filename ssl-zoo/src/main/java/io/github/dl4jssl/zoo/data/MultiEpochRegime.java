package io.github.dl4jssl.zoo.data;

import java.util.Random;
import java.util.stream.IntStream;

/**
 * The multi-epoch regime of {@link TrainingRegime}: every round (epoch) visits the same images
 * {@code 0 .. size-1}, in a fresh permutation seeded by {@code (seed, epoch)} (or in order without shuffling).
 * Unbounded: any number of epochs.
 */
public final class MultiEpochRegime implements TrainingRegime {
    private final int size;
    private final boolean shuffle;
    private final long seed;

    public MultiEpochRegime(int size, boolean shuffle, long seed) {
        if (size < 1) {
            throw new IllegalArgumentException("images per epoch must be >= 1, got " + size);
        }
        this.size = size;
        this.shuffle = shuffle;
        this.seed = seed;
    }

    @Override
    public String name() { return MULTI_EPOCH; }

    @Override
    public int imagesPerRound() { return size; }

    @Override
    public int rounds() { return Integer.MAX_VALUE; }

    @Override
    public int[] round(int round) {
        if (round < 0) {
            throw new IllegalArgumentException("round must be >= 0, got " + round);
        }
        return shuffle ? permutation(size, new Random(TwoViewIterator.mix(seed, round)))
                : IntStream.range(0, size).toArray();
    }

    @Override
    public int distinctImages() { return size; }

    /** A uniformly random permutation of {@code 0 .. n-1} (Fisher-Yates). */
    static int[] permutation(int n, Random rnd) {
        int[] p = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    @Override
    public String toString() {
        return "multi-epoch(" + size + " images per epoch" + (shuffle ? ", shuffled" : "") + ")";
    }
}
