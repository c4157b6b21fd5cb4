package io.github.dl4jssl.listeners.eval;

import java.util.Arrays;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-dimension standardisation of feature vectors, (x - mean) / std, with the mean and the (population) standard
 * deviation of each column of a reference set, the "bank": the kNN memory bank or the linear probe's training set.
 * The same statistics are applied to the bank and to the test vectors, so no test information leaks in.
 *
 * <p>The usual preprocessing of the linear evaluation protocol (Chen et al., SimCLR, ICML 2020, Appendix B.6
 * standardises features before the probe); applied alike to raw pixels and to a backbone's features it makes the
 * kNN comparison between them fair (Wu et al., InstDisc, CVPR 2018, use cosine similarity, which is sensitive to
 * per-dimension offsets and scales). A column that is constant in the bank (std below {@value #MIN_STD}) is divided
 * by {@value #MIN_STD} instead, so it stays finite (it is constant, hence 0, on the bank).
 */
public final class FeatureStandardiser {
    /** Lower bound of the divisor, for columns that are (nearly) constant in the bank. */
    public static final double MIN_STD = 1e-6;

    private final INDArray mean;
    private final INDArray std;

    private FeatureStandardiser(INDArray mean, INDArray std) {
        this.mean = mean;
        this.std = std;
    }

    /**
     * The column statistics of {@code bank}.
     *
     * @param bank [N, D] vectors, N &ge; 1
     */
    public static FeatureStandardiser fit(INDArray bank) {
        if (bank == null || bank.rank() != 2 || bank.size(0) < 1) {
            throw new IllegalArgumentException("the bank must be a 2-d [N, D] array with at least one row, got "
                    + (bank == null ? "null" : "shape " + Arrays.toString(bank.shape())));
        }
        INDArray f = bank.castTo(DataType.FLOAT);
        return new FeatureStandardiser(f.mean(0), Transforms.max(f.std(false, 0), MIN_STD, false));
    }

    /** A new FLOAT array (x - mean) / std; {@code x} is left untouched. */
    public INDArray apply(INDArray x) {
        if (x == null || x.rank() != 2 || x.size(1) != mean.length()) {
            throw new IllegalArgumentException("expected a 2-d array with " + mean.length() + " columns (the bank's), got "
                    + (x == null ? "null" : "shape " + Arrays.toString(x.shape())));
        }
        return x.castTo(DataType.FLOAT).dup('c').subiRowVector(mean).diviRowVector(std);
    }

    /** The column means of the bank, [D]. */
    public INDArray mean() { return mean.dup(); }

    /** The column standard deviations of the bank, floored at {@value #MIN_STD}, [D]. */
    public INDArray std() { return std.dup(); }
}
