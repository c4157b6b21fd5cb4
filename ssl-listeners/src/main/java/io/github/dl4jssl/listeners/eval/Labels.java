package io.github.dl4jssl.listeners.eval;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Conversions between label formats used by the evaluation classes: DL4J one-hot label arrays
 * {@code [N, numClasses]} and class-index vectors.
 */
public final class Labels {

    private Labels() {
    }

    /**
     * Class indices of {@code labels}: the argmax of each row of a one-hot {@code [N, C]} array
     * (C &gt; 1), or the values of a {@code [N]} / {@code [N, 1]} index array.
     */
    public static int[] toIndices(INDArray labels) {
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null");
        }
        if (labels.rank() == 1 || (labels.rank() == 2 && labels.size(1) == 1)) {
            return labels.reshape(labels.length()).toIntVector();
        }
        if (labels.rank() != 2) {
            throw new IllegalArgumentException("labels must be [N, numClasses] one-hot or [N] indices, got rank "
                    + labels.rank());
        }
        return labels.argMax(1).toIntVector();
    }

    /** Number of classes implied by the indices: max + 1; throws on negative indices. */
    public static int numClasses(int[] labels) {
        int max = -1;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("label at row " + i + " is negative: " + labels[i]);
            }
            max = Math.max(max, labels[i]);
        }
        return max + 1;
    }
}
