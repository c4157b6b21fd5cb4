package io.github.dl4jssl.samples.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's practical ceiling for the benchmark's ratio: the GFLOP/s of a large single-precision matrix
 * product through ND4J (its BLAS), {@code C = A B} with square n x n matrices, 2 n^3 floating-point operations,
 * best of several repetitions after a warm-up.
 */
public final class MatmulCeiling {

    private MatmulCeiling() {
    }

    /** Best GFLOP/s of {@code repetitions} n x n float products. */
    public static double measure(int n, int repetitions) {
        if (n < 1 || repetitions < 1) {
            throw new IllegalArgumentException("need n >= 1 and repetitions >= 1, got " + n + ", " + repetitions);
        }
        Nd4j.getRandom().setSeed(3);
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        a.mmuli(b, c); // warm-up
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repetitions; i++) {
            long t = System.nanoTime();
            a.mmuli(b, c);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        return 2.0 * n * n * (double) n / best / 1e9;
    }
}
