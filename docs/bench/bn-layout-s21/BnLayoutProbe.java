package io.github.dl4jssl.layers.impl;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce3.Dot;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.factory.Nd4j;
import java.util.*;

/** Per-channel ops of batch norm on [N*C, HW] rows (current) against [N, C*HW] with row vectors. */
public class BnLayoutProbe {
    static double med(List<Double> v) { Collections.sort(v); return v.get(v.size() / 2); }
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]), c = Integer.parseInt(a[1]), hw = Integer.parseInt(a[2]), reps = Integer.parseInt(a[3]);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, c, hw), y = Nd4j.randn(DataType.FLOAT, n, c, hw);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, n, c, hw), tmp = Nd4j.createUninitialized(DataType.FLOAT, n, c, hw);
        INDArray rowsX = x.reshape('c', (long) n * c, hw), rowsY = y.reshape('c', (long) n * c, hw), rowsO = out.reshape('c', (long) n * c, hw);
        INDArray colsX = x.reshape('c', n, (long) c * hw), colsY = y.reshape('c', n, (long) c * hw), colsO = out.reshape('c', n, (long) c * hw), colsT = tmp.reshape('c', n, (long) c * hw);
        INDArray onesHw = Nd4j.ones(DataType.FLOAT, hw, 1), onesN = Nd4j.ones(DataType.FLOAT, 1, n);
        INDArray rowSums = Nd4j.createUninitialized(DataType.FLOAT, (long) n * c, 1), colSums = Nd4j.createUninitialized(DataType.FLOAT, 1, (long) c * hw);
        INDArray column = Nd4j.rand(DataType.FLOAT, (long) n * c, 1), row = Nd4j.rand(DataType.FLOAT, (long) c * hw);
        INDArray dotRes = Nd4j.createUninitialized(DataType.FLOAT, (long) n * c);
        String[] names = {"sum rows (gemm x ones)", "sum cols (ones x gemm)", "mul per row (scalar along)", "mul row vector (broadcast)",
                "dot rows (reduce3)", "dot cols (mul + ones x gemm)"};
        List<List<Double>> t = new ArrayList<>();
        for (int k = 0; k < names.length; k++) t.add(new ArrayList<>());
        for (int r = 0; r < reps; r++) {
            for (int k = 0; k < names.length; k++) {
                long s = System.nanoTime();
                switch (k) {
                    case 0 -> OneDnnGemm.gemm(rowsX, onesHw, rowSums, false, false, 1.0, 0.0);
                    case 1 -> OneDnnGemm.gemm(onesN, colsX, colSums, false, false, 1.0, 0.0);
                    case 2 -> { var op = new ScalarMultiplication(rowsX, column, rowsO, 0.0); op.setDimension(1); Nd4j.getExecutioner().exec(op); }
                    case 3 -> Nd4j.getExecutioner().exec(new BroadcastMulOp(colsX, row, colsO, 1));
                    case 4 -> Nd4j.exec(new Dot(rowsX, rowsY, dotRes, 1));
                    case 5 -> { Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp(colsX, colsY, colsT)); OneDnnGemm.gemm(onesN, colsT, colSums, false, false, 1.0, 0.0); }
                }
                t.get(k).add((System.nanoTime() - s) / 1e6);
            }
        }
        for (int k = 0; k < names.length; k++) System.out.printf("%-32s %7.2f ms (min %.2f)%n", names[k], med(t.get(k)), Collections.min(t.get(k)));
    }
}
