package io.github.dl4jssl.layers.impl;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

public class BnPlanesParts {
    public static void main(String[] a) {
        long[] shape = {Long.parseLong(a[0]), Long.parseLong(a[1]), Long.parseLong(a[2]), Long.parseLong(a[2])};
        int reps = Integer.parseInt(a[3]);
        INDArray x = Nd4j.randn(DataType.FLOAT, shape).addi(0.5);
        INDArray dy = Nd4j.randn(DataType.FLOAT, shape);
        INDArray out = Nd4j.create(DataType.FLOAT, shape), dx = Nd4j.create(DataType.FLOAT, shape);
        int c = (int) shape[1];
        double[] ones = new double[c];
        java.util.Arrays.fill(ones, 1.0);
        BatchNormPlanes p = new BatchNormPlanes(shape);
        float[] heap = new float[(int) x.length()];
        java.nio.FloatBuffer fb = new org.bytedeco.javacpp.FloatPointer(x.data().addressPointer()).capacity(x.length()).asBuffer();
        double[] best = new double[7]; java.util.Arrays.fill(best, 1e9);
        for (int rep = 0; rep < reps; rep++) {
            boolean omp = Boolean.getBoolean("omp");
            INDArray small = Nd4j.create(DataType.FLOAT, 256, 1024);
            if (omp) small.addi(1);
            long t0 = System.nanoTime();
            double[][] mv = p.meanAndVariance(x);
            if (omp) small.addi(1);
            long t1 = System.nanoTime();
            p.normalise(x, out, mv[0], ones, ones);
            if (omp) small.addi(1);
            long t2 = System.nanoTime();
            double[][] g = p.gradientSums(x, dy, mv[0]);
            if (omp) small.addi(1);
            long t3 = System.nanoTime();
            p.inputGradient(x, dy, dx, mv[0], ones, ones, ones);
            long t4 = System.nanoTime();
            fb.get(0, heap, 0, heap.length);
            long t5 = System.nanoTime();
            INDArray s = x.sum(1);
            long t6 = System.nanoTime();
            out.assign(x);
            long t7 = System.nanoTime();
            long[] ts = {t0,t1,t2,t3,t4,t5,t6,t7}; for (int k = 0; k < 7; k++) best[k] = Math.min(best[k], (ts[k+1]-ts[k])/1e6);
            if (rep == reps - 1) System.out.printf("min: stats %.2f normalise %.2f gsums %.2f igrad %.2f | bulk copy to heap %.2f  nd4j sum %.2f assign %.2f%n",
                best[0],best[1],best[2],best[3],best[4],best[5],best[6]);
        }
    }
}
