package io.github.dl4jssl.layers.impl;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The softmax of each row of a logits matrix and its log-normaliser logsumexp, computed stably (max subtracted).
 *
 * @param probabilities  the row-wise softmax [rows, columns]
 * @param logNormalizers logsumexp of each row [rows, 1]
 */
record RowSoftmax(INDArray probabilities, INDArray logNormalizers) {

    /** The softmax of the rows of {@code logits}, written over them. */
    static RowSoftmax ofInPlace(INDArray logits) {
        long rows = logits.size(0);
        INDArray max = logits.max(1).reshape(rows, 1);
        INDArray p = Transforms.exp(logits.subiColumnVector(max), false);
        INDArray sum = p.sum(1).reshape(rows, 1);
        p.diviColumnVector(sum);
        return new RowSoftmax(p, Transforms.log(sum, false).addi(max));
    }
}
