package io.github.dl4jssl.layers.impl;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class BnPlanesProbe {
    public static void main(String[] a) {
        long[] shape = {Long.parseLong(a[0]), Long.parseLong(a[1]), Long.parseLong(a[2]), Long.parseLong(a[2])};
        int reps = Integer.parseInt(a[3]);
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape).addi(0.5);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
        INDArray outA = Nd4j.create(DataType.FLOAT, shape), outB = Nd4j.create(DataType.FLOAT, shape);
        INDArray dxA = Nd4j.create(DataType.FLOAT, shape), dxB = Nd4j.create(DataType.FLOAT, shape);
        int c = (int) shape[1];
        double[] gamma = new double[c], beta = new double[c];
        for (int i = 0; i < c; i++) { gamma[i] = 1 + 0.1 * i; beta[i] = 0.01 * i; }
        double eps = 1e-5;
        double[] fa = new double[4], fb = new double[4], ba = new double[4], bb = new double[4];
        for (int rep = 0; rep < reps; rep++) {
            // A: rows
            long t0 = System.nanoTime();
            ChannelRows rows = new ChannelRows(shape);
            INDArray x2 = rows.rows(x), o2 = rows.rows(outA);
            double m = rows.valuesPerChannel();
            double[] mean = scale(rows.sum(x2), 1 / m);
            ChannelRows.subtract(x2, rows.perRow(mean, DataType.FLOAT), o2);
            double[] var = scale(rows.sumOfSquares(o2), 1 / m);
            rows.scaleAndShift(o2, var, gamma, beta, eps, DataType.FLOAT);
            long t1 = System.nanoTime();
            INDArray dy2 = rows.rows(dy), dx2 = rows.rows(dxA);
            double[] dBeta = rows.sum(dy2);
            ChannelRows.subtract(x2, rows.perRow(mean, DataType.FLOAT), dx2);
            double[] dGamma = rows.dot(dx2, dy2);
            double[] xf = new double[c], sh = new double[c], df = new double[c];
            for (int i = 0; i < c; i++) { double s = 1 / Math.sqrt(var[i] + eps); dGamma[i] *= s; xf[i] = -s * dGamma[i] / m; sh[i] = -dBeta[i] / m; df[i] = gamma[i] * s; }
            ChannelRows.multiply(dx2, rows.perRow(xf, DataType.FLOAT), dx2);
            ChannelRows.add(dx2, rows.perRow(sh, DataType.FLOAT), dx2);
            dx2.addi(dy2);
            ChannelRows.multiply(dx2, rows.perRow(df, DataType.FLOAT), dx2);
            long t2 = System.nanoTime();
            // B: planes
            BatchNormPlanes p = new BatchNormPlanes(shape);
            double[][] mv = p.meanAndVariance(x);
            double[] sc = new double[c];
            for (int i = 0; i < c; i++) sc[i] = gamma[i] / Math.sqrt(mv[1][i] + eps);
            p.normalise(x, outB, mv[0], sc, beta);
            long t3 = System.nanoTime();
            double[][] gsum = p.gradientSums(x, dy, mv[0]);
            double[] ga = new double[c], gb = new double[c], gd = new double[c];
            for (int i = 0; i < c; i++) { double s = 1 / Math.sqrt(mv[1][i] + eps); double dg = s * gsum[1][i]; ga[i] = gamma[i] * s; gb[i] = s * dg / m; gd[i] = gsum[0][i] / m; }
            p.inputGradient(x, dy, dxB, mv[0], ga, gb, gd);
            long t4 = System.nanoTime();
            System.out.printf("rep %d  rows fwd %.2f bwd %.2f | planes fwd %.2f bwd %.2f ms%n", rep, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6);
        }
        System.out.println("max |out diff| " + org.nd4j.linalg.ops.transforms.Transforms.abs(outA.sub(outB)).maxNumber() + "  max |dx diff| " + org.nd4j.linalg.ops.transforms.Transforms.abs(dxA.sub(dxB)).maxNumber() + " max|dx| " + org.nd4j.linalg.ops.transforms.Transforms.abs(dxA).maxNumber());
    }
    static double[] scale(double[] v, double f) { double[] r = v.clone(); for (int i = 0; i < r.length; i++) r[i] *= f; return r; }
}
