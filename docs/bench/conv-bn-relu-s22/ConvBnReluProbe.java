package io.github.dl4jssl.layers.impl;

import io.github.dl4jssl.layers.NativeActivationLayer;
import io.github.dl4jssl.layers.NativeBatchNormalization;
import io.github.dl4jssl.layers.NativeConvolutionLayer;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Session 22 probe: one SmallCnn block (3x3 convolution without bias, batch norm, ReLU) in training mode, as today's
 * three native layers and as the {@link OneDnnConvBnRelu} chain, alternated in one JVM on the same arrays, each pass
 * starting with cold caches (a 96 MiB array is written before it). Prints medians and checks that both give the same
 * y, dL/dx, dL/dW, dL/dgamma and dL/dbeta. Not project code.
 *
 * <pre>java -cp out:$CP io.github.dl4jssl.layers.impl.ConvBnReluProbe N C_IN H C_OUT STRIDE REPS</pre>
 */
public final class ConvBnReluProbe {

    private static INDArray flushArray;

    static void flush() {
        if (flushArray == null) {
            try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                flushArray = Nd4j.create(DataType.FLOAT, 24L << 20);
            }
        }
        flushArray.addi(1.0f);
    }

    static LayerWorkspaceMgr mgr(String name) {
        WorkspaceConfiguration wc = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.05)
                .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE).policyAllocation(AllocationPolicy.OVERALLOCATE).build();
        return LayerWorkspaceMgr.builder().defaultWorkspace(name, wc).build();
    }

    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]), cin = Integer.parseInt(a[1]), h = Integer.parseInt(a[2]);
        int cout = Integer.parseInt(a[3]), stride = Integer.parseInt(a[4]), reps = Integer.parseInt(a[5]);
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).list()
                .layer(new NativeConvolutionLayer.Builder(3, 3).stride(stride, stride).nOut(cout)
                        .convolutionMode(ConvolutionMode.Same).hasBias(false).activation(Activation.IDENTITY).build())
                .layer(new NativeBatchNormalization.Builder().build())
                .layer(new NativeActivationLayer(Activation.RELU))
                .setInputType(InputType.convolutional(h, h, cin)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.initGradientsView();
        Layer conv = net.getLayer(0), bn = net.getLayer(1), relu = net.getLayer(2);
        Nd4j.getRandom().setSeed(7);
        bn.getParam("gamma").assign(Nd4j.rand(DataType.FLOAT, 1, cout).addi(0.5));
        bn.getParam("beta").assign(Nd4j.randn(DataType.FLOAT, 1, cout).muli(0.3));
        INDArray x = Nd4j.randn(DataType.FLOAT, n, cin, h, h);
        int outH = (h + stride - 1) / stride;
        INDArray dy = Nd4j.randn(DataType.FLOAT, n, cout, outH, outH);
        int total = Math.max(0, (outH - 1) * stride + 3 - h);
        int[] pad = {total / 2, total / 2};
        OneDnnConvolution.Geometry g = OneDnnConvolution.Geometry.of(n, cin, h, h, cout, outH, outH, new int[]{3, 3},
                new int[]{stride, stride}, new int[]{1, 1}, pad, false);
        OneDnnConvBnRelu chain = new OneDnnConvBnRelu(g, 1e-5);
        System.out.println("geometry " + g + ", z layout " + chain.layout());

        LayerWorkspaceMgr m1 = mgr("THREE");
        LayerWorkspaceMgr m2 = mgr("CHAIN");
        double[][] t = new double[4][reps];
        INDArray[] threeOut = null;
        INDArray[] chainOut = null;
        for (int r = -5; r < reps; r++) {
            try (MemoryWorkspace ws = m1.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                flush();
                long t0 = System.nanoTime();
                INDArray y = relu.activate(bn.activate(conv.activate(x, true, m1), true, m1), true, m1);
                long t1 = System.nanoTime();
                flush();
                long t2 = System.nanoTime();
                INDArray e = relu.backpropGradient(dy, m1).getSecond();
                var bnBack = bn.backpropGradient(e, m1);
                var convBack = conv.backpropGradient(bnBack.getSecond(), m1);
                long t3 = System.nanoTime();
                if (r >= 0) {
                    t[0][r] = (t1 - t0) / 1e6;
                    t[1][r] = (t3 - t2) / 1e6;
                }
                if (r == reps - 1) {
                    try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        threeOut = new INDArray[]{y.dup(), convBack.getSecond().dup(),
                                convBack.getFirst().getGradientFor("W").dup(),
                                bnBack.getFirst().getGradientFor("gamma").dup(), bnBack.getFirst().getGradientFor("beta").dup()};
                    }
                }
            }
            try (MemoryWorkspace ws = m2.notifyScopeEntered(ArrayType.ACTIVATIONS)) {
                INDArray w = conv.getParam("W");
                INDArray scaleShift = Nd4j.createUninitialized(DataType.FLOAT, 2, cout);
                scaleShift.getRow(0).assign(bn.getParam("gamma").reshape(cout));
                scaleShift.getRow(1).assign(bn.getParam("beta").reshape(cout));
                INDArray y = m2.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, new long[]{n, cout, outH, outH}, 'c');
                INDArray mean = Nd4j.createUninitialized(DataType.FLOAT, cout);
                INDArray var = Nd4j.createUninitialized(DataType.FLOAT, cout);
                flush();
                long t0 = System.nanoTime();
                OneDnnConvBnRelu.Saved saved = chain.forward(x, w, scaleShift, y, mean, var, m2, ArrayType.ACTIVATIONS);
                long t1 = System.nanoTime();
                flush();
                long t2 = System.nanoTime();
                INDArray dx = m2.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, x.shape(), 'c');
                INDArray dw = Nd4j.createUninitialized(DataType.FLOAT, w.shape());
                INDArray dss = Nd4j.createUninitialized(DataType.FLOAT, 2, cout);
                chain.backward(x, w, scaleShift, saved, dy, dx, dw, dss, m2);
                long t3 = System.nanoTime();
                if (r >= 0) {
                    t[2][r] = (t1 - t0) / 1e6;
                    t[3][r] = (t3 - t2) / 1e6;
                }
                if (r == reps - 1) {
                    try (MemoryWorkspace none = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                        chainOut = new INDArray[]{y.dup(), dx.dup(), dw.dup(), dss.getRow(0).dup(), dss.getRow(1).dup()};
                    }
                }
            }
        }
        System.out.printf("[%d,%d,%d,%d] -> %d stride %d: three layers fwd %.2f bwd %.2f ms; chain fwd %.2f bwd %.2f ms (medians of %d, cold caches)%n",
                n, cin, h, h, cout, stride, median(t[0]), median(t[1]), median(t[2]), median(t[3]), reps);
        // dL/dbeta in double: the sum of dL/dy over the positions where the ReLU passes it (y > 0)
        INDArray yd = threeOut[0].castTo(DataType.DOUBLE);
        INDArray mask = yd.gt(0.0).castTo(DataType.DOUBLE);
        INDArray dBetaRef = dy.castTo(DataType.DOUBLE).mul(mask).sum(0, 2, 3);
        System.out.printf("  dL/dbeta against double: three layers %.3g, chain %.3g%n",
                dBetaRef.sub(threeOut[4].castTo(DataType.DOUBLE).reshape(cout)).amaxNumber().doubleValue(),
                dBetaRef.sub(chainOut[4].castTo(DataType.DOUBLE).reshape(cout)).amaxNumber().doubleValue());
        // each path against double with its own ReLU mask: where |y| is within float rounding of 0 the two paths may
        // disagree on the mask (the kink), which moves dL/dbeta by a whole dL/dy value per such element
        INDArray ownMask = chainOut[0].castTo(DataType.DOUBLE).gt(0.0).castTo(DataType.DOUBLE);
        INDArray dBetaOwn = dy.castTo(DataType.DOUBLE).mul(ownMask).sum(0, 2, 3);
        System.out.printf("  dL/dbeta against double with the chain's own mask: chain %.3g; elements whose mask differs: %d%n",
                dBetaOwn.sub(chainOut[4].castTo(DataType.DOUBLE).reshape(cout)).amaxNumber().doubleValue(),
                mask.sub(ownMask).amaxNumber().doubleValue() == 0 ? 0 : Nd4j.getExecutioner().exec(
                        new org.nd4j.linalg.api.ops.impl.reduce.longer.CountNonZero(mask.sub(ownMask))).getInt(0));
        String[] names = {"y", "dL/dx", "dL/dW", "dL/dgamma", "dL/dbeta"};
        for (int i = 0; i < names.length; i++) {
            INDArray e = threeOut[i].castTo(DataType.DOUBLE).reshape(threeOut[i].length());
            INDArray c = chainOut[i].castTo(DataType.DOUBLE).reshape(chainOut[i].length());
            double scale = e.amaxNumber().doubleValue();
            System.out.printf("  %s: max |difference| %.3g, largest |value| %.3g, rms difference / rms value %.3g%n", names[i],
                    e.sub(c).amaxNumber().doubleValue(), scale, e.sub(c).norm2Number().doubleValue() / e.norm2Number().doubleValue());
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
