package io.github.dl4jssl.samples.experiment;

import io.github.dl4jssl.train.RunSpec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;

/**
 * The size of an experiment: {@code scale} multiplies the number of training and evaluation images of every
 * run (1 = the default budget, sized so that each experiment fits about an hour on 2 CPU cores), {@code seeds}
 * is the number of seeds per variant, {@code data} an optional data directory.
 */
public record Budget(double scale, int seeds, Path data) {

    public Budget {
        if (!(scale > 0) || Double.isInfinite(scale)) {
            throw new IllegalArgumentException("--scale must be a positive number, got " + scale);
        }
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, got " + seeds);
        }
    }

    /** {@code base * scale}, rounded, at least {@code min}. */
    public int scaled(int base, int min) { return Math.max(min, (int) Math.round(base * scale)); }

    /** The seeds 1..seeds. */
    public List<Long> seedList() {
        List<Long> out = new ArrayList<>();
        for (long s = 1; s <= seeds; s++) {
            out.add(s);
        }
        return out;
    }

    /** An experiment's plan: the runs {@code runsOfSeed} plans for each seed 1..seeds, seed after seed. */
    public List<PlannedRun> perSeed(LongFunction<List<PlannedRun>> runsOfSeed) {
        List<PlannedRun> runs = new ArrayList<>();
        for (long seed : seedList()) {
            runs.addAll(runsOfSeed.apply(seed));
        }
        return runs;
    }

    /** One run per method and seed: {@link #train} with the method, ids {@code M-seedS}. */
    public List<PlannedRun> perMethod(List<String> methods, int trainImages, int epochs) {
        return perSeed(seed -> methods.stream().map(method -> new PlannedRun(method + "-seed" + seed,
                Map.of("method", method, "seed", Long.toString(seed)), train(trainImages, epochs, seed).method(method).build()))
                .toList());
    }

    /**
     * The run spec shared by the runs of an experiment, to add the experiment's factors to: {@code epochs} epochs over
     * {@code trainImages * scale} images, evaluation on {@code 5000 * scale} bank / {@code 2000 * scale} test
     * images, a 5-epoch linear probe, the batch size capped so that an epoch has at least 4 batches.
     */
    public RunSpec.Builder train(int trainImages, int epochs, long seed) {
        return train(trainImages, epochs, seed, 128);
    }

    /** {@link #train(int, int, long)} with the batch size capped at {@code maxBatch} instead of 128. */
    public RunSpec.Builder train(int trainImages, int epochs, long seed, int maxBatch) {
        int train = scaled(trainImages, 16);
        return RunSpec.builder().epochs(epochs).trainSubset(train).batchSize(Math.min(maxBatch, Math.max(4, train / 4)))
                .evalTrainSubset(scaled(5000, 40)).evalTestSubset(scaled(2000, 20)).linearEpochs(5).seed(seed).data(data);
    }
}
