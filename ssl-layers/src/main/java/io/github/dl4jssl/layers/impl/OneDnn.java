package io.github.dl4jssl.layers.impl;

/**
 * The switch of the native layers' oneDNN paths: {@link io.github.dl4jssl.layers.NativeConvolutionLayer} (float NCHW)
 * and the backward pass of {@link io.github.dl4jssl.layers.NativeActivationLayer}'s ReLU (float) run through oneDNN's
 * primitives where oneDNN loads (x86-64 and linux-arm64), and through their own ND4J code otherwise (double precision
 * always: oneDNN has none). Both compute the same function (the ReLU's backward differs only where its input or
 * gradient is NaN); the tests compare them with DL4J's layers in double. oneDNN's batch
 * normalization is no faster than {@code NativeBatchNormalization}'s own code on NCHW arrays, where it needs reorders
 * (docs/bench/onednn-s14, docs/bench/bn-blocked-s22), so that layer keeps it; {@link
 * io.github.dl4jssl.layers.NativeConvBnRelu} runs it inside the convolution's blocked layout (float training).
 * On by default; {@code -Ddl4jssl.onednn=false} or {@link #setEnabled} turns it off (speed comparisons, diagnosis).
 */
public final class OneDnn {

    /** The system property that turns the oneDNN paths off ({@code -Ddl4jssl.onednn=false}). */
    public static final String PROPERTY = "dl4jssl.onednn";

    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty(PROPERTY));

    private OneDnn() {
    }

    /** Whether oneDNN's native library loaded on this platform. */
    public static boolean available() {
        return OneDnnOperation.available();
    }

    /** Whether the native layers use oneDNN where they can: enabled and available. */
    public static boolean enabled() {
        return enabled && available();
    }

    /** Turns the oneDNN paths on (the default) or off for every native layer, from the next pass on. */
    public static void setEnabled(boolean on) {
        enabled = on;
    }
}
