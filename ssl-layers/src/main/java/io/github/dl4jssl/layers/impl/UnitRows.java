package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.ContrastiveOps;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Rows scaled to unit length, z_i = x_i / max(|x_i|, eps) as {@link ContrastiveOps#l2Normalize} does in the SameDiff
 * graphs, with the backward pass of that normalisation, for the losses whose gradient is written out in plain ND4J
 * ({@link NtXentLossImpl}, {@link InfoNceLossImpl}).
 *
 * @param z    the unit rows [rows, d]
 * @param norm the row norms |x_i| [rows]
 */
record UnitRows(INDArray z, INDArray norm) {

    /** Normalises the rows of the matrix x (x itself is not changed). */
    static UnitRows of(INDArray x) {
        INDArray norm = x.norm2(1);
        INDArray z = x.divColumnVector(Transforms.max(norm, ContrastiveOps.NORM_EPS, true).reshape(-1, 1));
        return new UnitRows(z, norm);
    }

    /**
     * dL/dx from dL/dz: (dz_i - z_i (z_i . dz_i)) / |x_i|, or dz_i / eps where |x_i| &lt;= eps (there the graph
     * divides by the constant eps). Overwrites and returns {@code dz}.
     */
    INDArray backprop(INDArray dz) {
        INDArray radial = z.mul(dz).sum(1).reshape(-1, 1);
        INDArray aboveEps = norm.gt(ContrastiveOps.NORM_EPS).castTo(dz.dataType()).reshape(-1, 1);
        return dz.subi(z.mulColumnVector(radial.muli(aboveEps)))
                .diviColumnVector(Transforms.max(norm, ContrastiveOps.NORM_EPS, true).reshape(-1, 1));
    }

    /** Rows i and i + N swapped (N = half the rows): each row's partner view in a stacked two-view batch. */
    static INDArray swapViews(INDArray m) {
        long n = m.size(0) / 2;
        return Nd4j.concat(0, m.get(NDArrayIndex.interval(n, 2 * n), NDArrayIndex.all()),
                m.get(NDArrayIndex.interval(0, n), NDArrayIndex.all()));
    }
}
