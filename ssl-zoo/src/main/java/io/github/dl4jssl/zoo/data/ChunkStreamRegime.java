package io.github.dl4jssl.zoo.data;

import java.util.Arrays;
import java.util.Random;

/**
 * The continual and hybrid regimes of {@link TrainingRegime} (Li, Efros, Pathak 2022): the data set, in a seeded
 * random order, is a stream cut into chunks of {@code chunkSize} images; the run trains on each chunk for
 * {@code passes} passes, each a fresh permutation of the chunk seeded by {@code (seed, chunk, pass)}, then moves
 * on to the next chunk and never returns. With one pass (continual) every image is seen exactly once. The
 * sequence is cut after {@code rounds x imagesPerRound} images, so the stream uses
 * {@code ceil(budget / passes)} distinct images (the last ones may get fewer passes when that is not a multiple of
 * the chunk size); the data set must hold that many.
 */
public final class ChunkStreamRegime implements TrainingRegime {
    private final String name;
    private final int imagesPerRound;
    private final int rounds;
    private final int chunkSize;
    private final int passes;
    private final int distinct;
    /** The whole sequence, {@code rounds * imagesPerRound} data-set indices. */
    private final int[] sequence;

    ChunkStreamRegime(String name, int poolSize, int imagesPerRound, int rounds, int chunkSize, int passes,
            long seed) {
        if (imagesPerRound < 1 || rounds < 1 || chunkSize < 1 || passes < 1) {
            throw new IllegalArgumentException("images per round, rounds, chunk size and passes must be >= 1, got "
                    + imagesPerRound + ", " + rounds + ", " + chunkSize + ", " + passes);
        }
        long budget = (long) rounds * imagesPerRound;
        long needed = (budget + passes - 1) / passes;
        if (needed > poolSize || budget > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the " + name + " regime needs " + needed + " distinct images for a "
                    + "budget of " + rounds + " rounds x " + imagesPerRound + " images" + (passes > 1 ? " at "
                    + passes + " passes per chunk" : ", each seen once") + ", but the data set has " + poolSize
                    + "; lower the rounds (--epochs) or images per round (--train-subset)"
                    + (passes > 1 ? ", or raise --passes" : ", or use the hybrid regime with --passes"));
        }
        this.name = name;
        this.imagesPerRound = imagesPerRound;
        this.rounds = rounds;
        this.chunkSize = chunkSize;
        this.passes = passes;
        this.distinct = (int) needed;
        int[] stream = MultiEpochRegime.permutation(poolSize, new Random(TwoViewIterator.mix(seed, -1)));
        this.sequence = new int[(int) budget];
        int at = 0;
        for (int chunk = 0; at < sequence.length; chunk++) {
            int from = chunk * chunkSize;
            int[] members = Arrays.copyOfRange(stream, from, Math.min(from + chunkSize, distinct));
            for (int pass = 0; pass < passes && at < sequence.length; pass++) {
                int[] order = MultiEpochRegime.permutation(members.length,
                        new Random(TwoViewIterator.mix(seed, chunk, pass)));
                for (int i = 0; i < order.length && at < sequence.length; i++) {
                    sequence[at++] = members[order[i]];
                }
            }
        }
    }

    @Override
    public String name() { return name; }

    @Override
    public int imagesPerRound() { return imagesPerRound; }

    @Override
    public int rounds() { return rounds; }

    @Override
    public int[] round(int round) {
        if (round < 0 || round >= rounds) {
            throw new IllegalArgumentException("the " + name + " stream has rounds 0.." + (rounds - 1) + " (its "
                    + "budget), not round " + round);
        }
        return Arrays.copyOfRange(sequence, round * imagesPerRound, (round + 1) * imagesPerRound);
    }

    @Override
    public int distinctImages() { return distinct; }

    public int chunkSize() { return chunkSize; }

    public int passes() { return passes; }

    @Override
    public String toString() {
        return name + "(" + rounds + " rounds x " + imagesPerRound + " images, chunks of " + chunkSize + ", "
                + passes + " pass(es) per chunk, " + distinct + " distinct images)";
    }
}
