package io.github.dl4jssl.zoo.data;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * An immutable in-memory image data set: float32 features in NCHW layout {@code [N, C, H, W]} with values
 * scaled to [0, 1], optional integer class labels and the number of classes.
 *
 * <p>This is the common currency between data set readers (e.g. {@link FashionMnist}) and iterators
 * (e.g. {@link TwoViewIterator}). Unlabelled data has {@code labels() == null}.
 */
public final class LabelledImages {
    private final INDArray features;
    private final int[] labels;
    private final int numClasses;
    /** Zero-copy view of the native feature buffer; only absolute (thread-safe, stateless) reads are used. */
    private final FloatBuffer pixels;

    /**
     * @param features   float array {@code [N, C, H, W]} with values in [0, 1]; other data types are cast to float32
     * @param labels     class index per image in {@code [0, numClasses)}, or {@code null} for unlabelled data
     * @param numClasses number of classes (ignored, stored as 0, when {@code labels} is null)
     */
    public LabelledImages(INDArray features, int[] labels, int numClasses) {
        Objects.requireNonNull(features, "features must not be null");
        if (features.rank() != 4) {
            throw new IllegalArgumentException("features must be rank 4 [N, C, H, W], got shape "
                    + Arrays.toString(features.shape()));
        }
        INDArray f = features.dataType() == DataType.FLOAT ? features : features.castTo(DataType.FLOAT);
        // A contiguous c-order buffer starting at offset 0 lets consumers copy single images in bulk.
        if (f.isView() || f.ordering() != 'c' || f.offset() != 0) {
            f = f.dup('c');
        }
        if (f.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("features has " + f.length() + " values; at most "
                    + Integer.MAX_VALUE + " are supported");
        }
        long n = f.size(0);
        if (labels != null) {
            if (labels.length != n) {
                throw new IllegalArgumentException("labels has " + labels.length + " entries but features has "
                        + n + " images");
            }
            if (numClasses < 1) {
                throw new IllegalArgumentException("numClasses must be >= 1 for labelled data, got " + numClasses);
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= numClasses) {
                    throw new IllegalArgumentException("label " + labels[i] + " of image " + i
                            + " is outside [0, " + numClasses + ")");
                }
            }
        }
        this.features = f;
        this.pixels = f.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        this.labels = labels == null ? null : labels.clone();
        this.numClasses = labels == null ? 0 : numClasses;
    }

    /** Unlabelled images. */
    public static LabelledImages unlabelled(INDArray features) { return new LabelledImages(features, null, 0); }

    /** The features {@code [N, C, H, W]}; treat as read-only. */
    public INDArray features() { return features; }

    /** A copy of the labels, or {@code null} for unlabelled data. */
    public int[] labels() { return labels == null ? null : labels.clone(); }

    /** The label of image {@code i}; throws if unlabelled. */
    public int label(int i) {
        if (labels == null) {
            throw new IllegalStateException("this data set is unlabelled");
        }
        return labels[i];
    }

    public boolean isLabelled() { return labels != null; }

    public int numClasses() { return numClasses; }

    public int size() { return (int) features.size(0); }

    public int channels() { return (int) features.size(1); }

    public int height() { return (int) features.size(2); }

    public int width() { return (int) features.size(3); }

    /** Number of values per image, {@code C * H * W}. */
    public int imageLength() { return channels() * height() * width(); }

    /** A copy of image {@code i} in CHW layout. Thread-safe. */
    public float[] image(int i) { return image(i, new float[imageLength()]); }

    /** Copies image {@code i} in CHW layout into {@code dst} (length {@link #imageLength()}). Thread-safe. */
    public float[] image(int i, float[] dst) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("image index " + i + " outside [0, " + size() + ")");
        }
        int len = imageLength();
        if (dst.length != len) {
            throw new IllegalArgumentException("destination has length " + dst.length + ", expected " + len);
        }
        pixels.get(i * len, dst);
        return dst;
    }

    /** The first {@code n} images (and labels). */
    public LabelledImages subset(int n) {
        if (n < 1 || n > size()) {
            throw new IllegalArgumentException("subset size " + n + " outside [1, " + size() + "]");
        }
        if (n == size()) {
            return this;
        }
        INDArray f = features.get(NDArrayIndex.interval(0, n), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all()).dup('c');
        return new LabelledImages(f, labels == null ? null : Arrays.copyOf(labels, n), numClasses);
    }

    /** One-hot labels {@code [N, numClasses]} (float32); throws if unlabelled. */
    public INDArray labelsOneHot() {
        if (labels == null) {
            throw new IllegalStateException("this data set is unlabelled: no one-hot labels");
        }
        float[] oneHot = new float[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            oneHot[i * numClasses + labels[i]] = 1f;
        }
        return Nd4j.create(oneHot, new long[] {labels.length, numClasses}, 'c');
    }

    @Override
    public String toString() {
        return "LabelledImages[" + size() + "x" + channels() + "x" + height() + "x" + width()
                + (labels == null ? ", unlabelled" : ", " + numClasses + " classes") + "]";
    }
}
