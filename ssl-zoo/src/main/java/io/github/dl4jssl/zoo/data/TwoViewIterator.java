package io.github.dl4jssl.zoo.data;

import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;
import java.util.stream.IntStream;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Yields batches of positive pairs for contrastive self-supervised learning such as SimCLR (Chen et al. 2020):
 * each batch takes {@code N = batchSize} images and returns a {@link DataSet} with {@code 2N} rows of features
 * {@code [2N, C, H, W]}, where rows {@code 0..N-1} are first views and row {@code i + N} is a second, independent
 * augmentation of the same image as row {@code i}.
 *
 * <p>Labels are the one-hot class labels {@code [2N, numClasses]}, duplicated for both views (the SSL loss ignores
 * them; monitors such as k-NN probes may use them), or a zero array {@code [2N, 1]} for unlabelled data. The last
 * incomplete batch of an epoch is dropped so that every batch has the same size.
 *
 * <p>Reproducibility: the shuffle order of epoch {@code e} depends only on {@code (seed, e)}, and the augmentation
 * of image {@code j} for view {@code v} in epoch {@code e} only on {@code (seed, e, j, v)}, so results do not depend
 * on thread timing even though the images of a batch are augmented in parallel. {@link #reset()} starts the next
 * epoch; {@link #setEpoch(int)} and {@link #setPosition(int, int)} let a resumed run continue where it stopped. {@link #asyncSupported()} is true, so
 * DL4J's {@code fit} prefetches batches on a background thread.
 */
public final class TwoViewIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(TwoViewIterator.class);

    private final LabelledImages data;
    private final int batchSize;
    private final AugmentationPipeline[] views;
    private final long seed;
    private final boolean shuffle;
    private final boolean parallel;
    private final int[] outShape;

    private int epoch;
    private int cursor;
    private int[] order;
    private DataSetPreProcessor preProcessor;

    private TwoViewIterator(Builder b) {
        this.data = b.data;
        this.batchSize = b.batchSize;
        this.views = new AugmentationPipeline[] {b.first, b.second == null ? b.first : b.second};
        this.seed = b.seed;
        this.shuffle = b.shuffle;
        this.parallel = b.parallel;
        this.outShape = views[0].outputShape(data.channels(), data.height(), data.width());
        int[] second = views[1].outputShape(data.channels(), data.height(), data.width());
        if (!Arrays.equals(outShape, second)) {
            throw new IllegalArgumentException("the two view pipelines produce different image shapes "
                    + Arrays.toString(outShape) + " and " + Arrays.toString(second));
        }
        setEpoch(0);
        log.info("TwoViewIterator: {} images, {} pairs per batch ({} rows), {} batches per epoch, views {}x{}x{}, "
                + "shuffle={}, seed={}, view pipelines {} / {}", data.size(), batchSize, 2 * batchSize,
                batchesPerEpoch(), outShape[0], outShape[1], outShape[2], shuffle, seed, views[0], views[1]);
    }

    public static Builder builder(LabelledImages data) {
        return new Builder(data);
    }

    /** Number of (full) batches per epoch: {@code floor(size / batchSize)}. */
    public int batchesPerEpoch() {
        return data.size() / batchSize;
    }

    public int getEpoch() {
        return epoch;
    }

    /** Jumps to the start of epoch {@code epoch} (e.g. to resume a run). */
    public void setEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        this.epoch = epoch;
        this.cursor = 0;
        this.order = shuffle ? permutation(data.size(), new Random(mix(seed, epoch))) : IntStream.range(0,
                data.size()).toArray();
    }

    /**
     * The position of the next batch: {@code [epoch, batch index within the epoch]}. Because an epoch's order
     * and augmentations derive from {@code (seed, epoch)} only, {@link #setPosition(int, int)} with these two
     * numbers on an iterator built with the same settings yields exactly the batches this one would yield next.
     * (DL4J's {@code fit} prefetches: while training, the iterator is ahead of the batch being trained on.)
     */
    public int[] position() {
        return new int[] {epoch, cursor / batchSize};
    }

    /**
     * Jumps to batch {@code batch} of epoch {@code epoch}, e.g. to resume an interrupted run mid-epoch;
     * {@code batch == batchesPerEpoch()} is the end of the epoch (the next {@code reset()} starts epoch + 1).
     */
    public void setPosition(int epoch, int batch) {
        if (batch < 0 || batch > batchesPerEpoch()) {
            throw new IllegalArgumentException("batch index " + batch + " outside [0, " + batchesPerEpoch()
                    + "]: an epoch has " + batchesPerEpoch() + " batches of " + batchSize + " images");
        }
        setEpoch(epoch);
        this.cursor = batch * batchSize;
    }

    /** The data set this iterator draws from. */
    public LabelledImages data() {
        return data;
    }

    @Override
    public boolean hasNext() {
        return cursor + batchSize <= data.size();
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    /** The next {@code num} source images as {@code 2 * num} rows (only the default size is recommended). */
    @Override
    public DataSet next(int num) {
        if (num < 1) {
            throw new IllegalArgumentException("number of images must be >= 1, got " + num);
        }
        if (cursor + num > data.size()) {
            throw new NoSuchElementException("epoch " + epoch + " has no " + num + " more images (at " + cursor
                    + " of " + data.size() + "); call reset() to start the next epoch");
        }
        int[] idx = Arrays.copyOfRange(order, cursor, cursor + num);
        cursor += num;
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int outLen = outShape[0] * outShape[1] * outShape[2];
        float[] features = new float[2 * num * outLen];
        int e = epoch;
        IntStream rows = IntStream.range(0, 2 * num);
        (parallel ? rows.parallel() : rows).forEach(row -> {
            int view = row / num;
            int image = idx[row % num];
            float[] out = views[view].apply(data.image(image), c, h, w, new Random(mix(seed, e, image, view)));
            System.arraycopy(out, 0, features, row * outLen, outLen);
        });
        DataSet ds = new DataSet(Nd4j.create(features, new long[] {2L * num, outShape[0], outShape[1],
                outShape[2]}, 'c'), Nd4j.create(labels(idx), new long[] {2L * num, totalOutcomes()}, 'c'));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    private float[] labels(int[] idx) {
        int k = totalOutcomes();
        float[] labels = new float[2 * idx.length * k];
        if (data.isLabelled()) {
            for (int i = 0; i < idx.length; i++) {
                int cls = data.label(idx[i]);
                labels[i * k + cls] = 1f;
                labels[(i + idx.length) * k + cls] = 1f;
            }
        }
        return labels;
    }

    /** Starts the next epoch; a reset before any batch of the current epoch was taken keeps the epoch. */
    @Override
    public void reset() {
        setEpoch(cursor == 0 ? epoch : epoch + 1);
    }

    @Override
    public int inputColumns() {
        return outShape[0] * outShape[1] * outShape[2];
    }

    /** {@code numClasses}, or 1 for unlabelled data (whose labels are a zero column). */
    @Override
    public int totalOutcomes() {
        return data.isLabelled() ? data.numClasses() : 1;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    /** The number of rows per batch, {@code 2 * batchSize}. */
    @Override
    public int batch() {
        return 2 * batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }

    private static int[] permutation(int n, Random rnd) {
        int[] p = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Mixes values into one well-scrambled 64-bit seed (SplitMix64 finaliser per value). */
    static long mix(long... values) {
        long h = 0x9E3779B97F4A7C15L;
        for (long v : values) {
            h = splitMix(h ^ splitMix(v + 0x632BE59BD9B4E019L));
        }
        return h;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Configures a {@link TwoViewIterator}. */
    public static final class Builder {
        private final LabelledImages data;
        private int batchSize = 256;
        private AugmentationPipeline first;
        private AugmentationPipeline second;
        private long seed = 42;
        private boolean shuffle = true;
        private boolean parallel = true;

        private Builder(LabelledImages data) {
            this.data = Objects.requireNonNull(data, "data must not be null");
        }

        /** Number of source images (positive pairs) per batch; each batch has twice as many rows. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** The augmentation for both views. */
        public Builder pipeline(AugmentationPipeline pipeline) {
            this.first = Objects.requireNonNull(pipeline, "pipeline must not be null");
            return this;
        }

        /** A different augmentation for the second view (e.g. BYOL's asymmetric blur/solarize). */
        public Builder secondPipeline(AugmentationPipeline pipeline) {
            this.second = pipeline;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Augment the images of a batch in parallel (default true); results are identical either way. */
        public Builder parallel(boolean parallel) {
            this.parallel = parallel;
            return this;
        }

        public TwoViewIterator build() {
            if (first == null) {
                throw new IllegalStateException("no augmentation pipeline set: call pipeline(...), e.g. "
                        + "AugmentationPipeline.simclrGrayscale(28)");
            }
            if (batchSize < 2) {
                throw new IllegalArgumentException("batchSize must be >= 2, got " + batchSize
                        + ": NT-Xent needs at least 2 images per batch to have negatives");
            }
            if (batchSize > data.size()) {
                throw new IllegalArgumentException("batchSize " + batchSize + " is larger than the data set ("
                        + data.size() + " images): no full batch can be formed");
            }
            return new TwoViewIterator(this);
        }
    }
}
