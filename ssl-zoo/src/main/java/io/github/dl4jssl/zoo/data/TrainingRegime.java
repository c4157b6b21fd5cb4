package io.github.dl4jssl.zoo.data;

import java.util.List;
import java.util.Locale;

/**
 * The order in which a training run visits the images of a data set, in rounds of equal size; a round is what one
 * DL4J {@code fit(iterator)} call consumes ({@link TwoViewIterator} serves round {@code r} as its epoch {@code r}).
 *
 * <p>Li, Efros and Pathak (2022, "Understanding Collapse in Non-Contrastive Siamese Representation Learning",
 * ECCV, section 6) show that the regime matters: SimSiam trained on a fixed data set for many epochs undergoes
 * partial dimensional collapse, streaming data (continual learning, each image seen once) acts as a regularizer
 * against it, and a hybrid of the two improved the linear probe of a ResNet-18 on ImageNet by up to 18 points.
 * Three regimes, all with the same budget of {@code rounds x imagesPerRound} images:
 * <ul>
 *   <li>{@link #multiEpoch multi-epoch} ({@link MultiEpochRegime}): the usual one; every round is a fresh
 *       permutation of the same {@code imagesPerRound} images;</li>
 *   <li>{@link #continual continual} ({@link ChunkStreamRegime} with one pass): a stream of
 *       {@code rounds x imagesPerRound} distinct images, in chunks, each image seen exactly once;</li>
 *   <li>{@link #hybrid hybrid} ({@link ChunkStreamRegime} with {@code passes > 1}): the stream arrives in chunks and
 *       each chunk is trained on for several passes (each a fresh permutation of the chunk) before the next
 *       chunk, so the run sees {@code budget / passes} distinct images.</li>
 * </ul>
 * Rounds are cut from the resulting sequence of images regardless of chunk boundaries.
 */
public interface TrainingRegime {
    String MULTI_EPOCH = "multi-epoch";
    String CONTINUAL = "continual";
    String HYBRID = "hybrid";
    /** The names accepted by {@link #byName}. */
    List<String> NAMES = List.of(MULTI_EPOCH, CONTINUAL, HYBRID);

    /** {@value #MULTI_EPOCH}, {@value #CONTINUAL} or {@value #HYBRID}. */
    String name();

    /** Images per round. */
    int imagesPerRound();

    /** Number of rounds available ({@link Integer#MAX_VALUE} when unbounded). */
    int rounds();

    /** The data-set indices of round {@code round}, in training order (length {@link #imagesPerRound()}). */
    int[] round(int round);

    /** Number of distinct images the regime uses over its {@link #rounds()}. */
    int distinctImages();

    /** Every round a permutation (seeded by {@code (seed, round)}) of images {@code 0 .. imagesPerEpoch-1}. */
    static TrainingRegime multiEpoch(int imagesPerEpoch, boolean shuffle, long seed) {
        return new MultiEpochRegime(imagesPerEpoch, shuffle, seed);
    }

    /** Each of {@code rounds x imagesPerRound} distinct images of a data set of {@code poolSize} seen once. */
    static TrainingRegime continual(int poolSize, int imagesPerRound, int rounds, int chunkSize, long seed) {
        return new ChunkStreamRegime(CONTINUAL, poolSize, imagesPerRound, rounds, chunkSize, 1, seed);
    }

    /** Chunks of {@code chunkSize} distinct images, each trained on for {@code passes} passes. */
    static TrainingRegime hybrid(int poolSize, int imagesPerRound, int rounds, int chunkSize, int passes, long seed) {
        if (passes < 2) {
            throw new IllegalArgumentException("the hybrid regime needs at least 2 passes per chunk, got " + passes
                    + " (1 pass is the continual regime)");
        }
        return new ChunkStreamRegime(HYBRID, poolSize, imagesPerRound, rounds, chunkSize, passes, seed);
    }

    /**
     * The regime called {@code name} for a budget of {@code rounds x imagesPerRound} images: multi-epoch uses the
     * first {@code imagesPerRound} images of the data set; continual and hybrid draw from all {@code poolSize}.
     *
     * @throws IllegalArgumentException for an unknown name (listing the valid ones) or a budget the data set cannot
     *                                  serve
     */
    static TrainingRegime byName(String name, int poolSize, int imagesPerRound, int rounds, int chunkSize,
            int passes, long seed) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case MULTI_EPOCH:
                if (imagesPerRound > poolSize) {
                    throw new IllegalArgumentException("multi-epoch rounds of " + imagesPerRound
                            + " images need a data set that large; it has " + poolSize);
                }
                return multiEpoch(imagesPerRound, true, seed);
            case CONTINUAL:
                return continual(poolSize, imagesPerRound, rounds, chunkSize, seed);
            case HYBRID:
                return hybrid(poolSize, imagesPerRound, rounds, chunkSize, passes, seed);
            default:
                throw new IllegalArgumentException("unknown regime '" + name + "'; valid regimes: "
                        + String.join(", ", NAMES));
        }
    }
}
