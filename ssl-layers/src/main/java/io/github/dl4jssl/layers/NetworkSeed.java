package io.github.dl4jssl.layers;

/**
 * The check every seed of a network's initialisation passes: seed 0 is refused, because it does not repeat.
 *
 * <p>DL4J hands a configuration's seed to ND4J's native random generator when it initialises the parameters
 * ({@code ComputationGraph.init}: {@code Nd4j.getRandom().setSeed(conf().getSeed())}), and libnd4j's
 * {@code RandomGenerator} ({@code graph/RandomGenerator.h}, {@code setStates}) replaces a root seed of 0 with the current
 * time in milliseconds. So two networks built with seed 0 start from different weights, in DL4J 1.0.0-M2.1 as in
 * libnd4j's current code; {@code NetworkSeedTest} pins it. Seeds other than 0 repeat exactly.
 */
public final class NetworkSeed {

    private NetworkSeed() {
    }

    /**
     * {@code seed}, if a network initialised with it repeats.
     *
     * @param what the option or method the seed came from, for the message (e.g. {@code "--seed"})
     * @throws IllegalArgumentException for seed 0
     */
    public static long check(String what, long seed) {
        if (seed == 0) {
            throw new IllegalArgumentException(what + " 0 would not repeat: ND4J's native random generator replaces seed 0 with"
                    + " the clock (libnd4j's RandomGenerator), so every run would start from different weights; use any other"
                    + " seed, e.g. 1");
        }
        return seed;
    }
}
