package io.github.dl4jssl.layers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Releases the native buffers of temporary ND4J arrays now rather than at some later garbage collection.
 *
 * <p>ND4J (1.0.0-M2.1, CPU) frees an array's native memory only when a Java garbage collection finds the array
 * unreachable. The evaluations (kNN, linear probe, feature standardisation) allocate hundreds of megabytes of native
 * temporaries on a 60,000-image bank and almost no Java heap, so the collector has no reason to run: one raw-pixel
 * evaluation grew the process from about 3 to 19.5 GiB before a collection brought it back to 6 GiB, and garbage left
 * that way by the baselines stayed through a whole training run (the OOM kill of session 12's MoCo v3 run;
 * docs/bench/memory-s13). Closing each temporary once read keeps the native memory of an evaluation near its live
 * arrays. The native convolution frees the columns it keeps outside workspaces the same way when it replaces them.
 */
public final class NativeBuffers {
    private NativeBuffers() { }

    /**
     * Closes every given array that owns its buffer outside any workspace ({@link INDArray#closeable()}: not a view,
     * not attached to a workspace, not closed yet); the others, and nulls, are left alone. Using a closed array
     * afterwards fails with ND4J's {@code IllegalStateException}, never silently.
     */
    public static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
    }
}
