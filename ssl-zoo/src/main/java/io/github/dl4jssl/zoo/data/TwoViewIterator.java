package io.github.dl4jssl.zoo.data;

import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Random;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Yields batches of positive pairs (or, with {@link Builder#viewPipelines}, of {@code V >= 2} views) for
 * self-supervised learning such as SimCLR (Chen et al. 2020): each batch takes {@code N = batchSize} images and
 * returns a {@link DataSet} with {@code V * N} rows of features {@code [V*N, C, H, W]}, where rows
 * {@code v*N .. v*N+N-1} are view {@code v} and row {@code i + v*N} is an independent augmentation of the same image
 * as row {@code i}.
 *
 * <p>Labels are the one-hot class labels {@code [V*N, numClasses]}, repeated for every view (the SSL loss ignores
 * them; monitors such as k-NN probes may use them), or a zero array {@code [V*N, 1]} for unlabelled data. The last
 * incomplete batch of an epoch is dropped so that every batch has the same size.
 *
 * <p>Epochs are the rounds of a {@link TrainingRegime} (default: multi-epoch over all images, shuffled), so the
 * same iterator serves the multi-epoch, continual and hybrid regimes of Li, Efros and Pathak (2022).
 *
 * <p>Parallelism and reproducibility: batches are augmented by {@code workers} threads ahead of training, at most
 * {@code prefetch} batches in advance (a bounded queue; the consumer takes them in order). View {@code v} of image
 * {@code j} in epoch {@code e} depends only on {@code (seed, e, j, v)} (and on {@code k} for the {@code k}-th repeat
 * of {@code j} within the epoch, as in the hybrid regime's passes), and the
 * order of epoch {@code e} only on the regime and {@code seed}, so the batches are identical whatever the number of
 * workers and the thread timing. {@link #reset()} starts the next epoch; {@link #setEpoch(int)} and {@link #setPosition(int, int)}
 * let a resumed run continue where it stopped. {@link #asyncSupported()} is true, so DL4J's {@code fit} also prefetches one batch on
 * its own background thread.
 */
public final class TwoViewIterator implements DataSetIterator {
    private static final long serialVersionUID = 2L;
    private static final Logger log = LoggerFactory.getLogger(TwoViewIterator.class);

    private final LabelledImages data;
    private final int batchSize;
    private final AugmentationPipeline[] views;
    private final long seed;
    private final TrainingRegime regime;
    private final int[] outShape;
    private final transient AugmentationWorkers workers;

    private int epoch;
    private int cursor;
    private int[] order;
    /** For each position of {@link #order}: how often its image occurred earlier in the epoch (0 mostly). */
    private int[] repeat;
    private DataSetPreProcessor preProcessor;

    private TwoViewIterator(Builder b) {
        this.data = b.data;
        this.batchSize = b.batchSize;
        this.views = b.pipelines.toArray(new AugmentationPipeline[0]);
        this.seed = b.seed;
        this.regime = b.regime != null ? b.regime : TrainingRegime.multiEpoch(data.size(), b.shuffle, b.seed);
        this.outShape = views[0].outputShape(data.channels(), data.height(), data.width());
        for (AugmentationPipeline p : views) {
            int[] shape = p.outputShape(data.channels(), data.height(), data.width());
            if (!Arrays.equals(outShape, shape)) {
                throw new IllegalArgumentException("the view pipelines produce different image shapes "
                        + Arrays.toString(outShape) + " and " + Arrays.toString(shape));
            }
        }
        this.workers = new AugmentationWorkers(b.workers, b.prefetch);
        setEpoch(0);
        for (int i : order) {
            if (i < 0 || i >= data.size()) {
                throw new IllegalArgumentException("regime " + regime + " refers to image " + i + " but the data set "
                        + "has " + data.size());
            }
        }
        log.info("TwoViewIterator: {} images, {} per batch x {} views, {} batches per epoch, views {}x{}x{}, "
                + "regime {}, {} augmentation workers, seed={}, view pipelines {}", data.size(), batchSize,
                views.length, batchesPerEpoch(), outShape[0], outShape[1], outShape[2], regime, b.workers, seed,
                Arrays.toString(views));
    }

    public static Builder builder(LabelledImages data) { return new Builder(data); }

    /** Number of (full) batches per epoch: {@code floor(imagesPerRound / batchSize)}. */
    public int batchesPerEpoch() { return regime.imagesPerRound() / batchSize; }

    public int getEpoch() { return epoch; }

    /** Jumps to the start of epoch {@code epoch} (e.g. to resume a run). */
    public void setEpoch(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
        }
        if (epoch >= regime.rounds()) {
            throw new NoSuchElementException("the " + regime.name() + " regime has " + regime.rounds()
                    + " rounds (epochs 0.." + (regime.rounds() - 1) + "), no epoch " + epoch);
        }
        workers.cancel();
        this.epoch = epoch;
        this.cursor = 0;
        this.order = regime.round(epoch);
        this.repeat = repeats(order);
    }

    /** For each position, the number of earlier positions holding the same image. */
    private static int[] repeats(int[] order) {
        int max = 0;
        for (int i : order) {
            max = Math.max(max, i);
        }
        int[] seen = new int[max + 1];
        int[] repeat = new int[order.length];
        for (int p = 0; p < order.length; p++) {
            repeat[p] = seen[order[p]]++;
        }
        return repeat;
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
    public LabelledImages data() { return data; }

    /** The regime whose rounds are this iterator's epochs. */
    public TrainingRegime regime() { return regime; }

    /** Number of views per image. */
    public int numViews() { return views.length; }

    /** Stops the augmentation worker threads (they are daemons; a later batch starts them again). */
    public void shutdown() {
        workers.shutdown();
    }

    @Override
    public boolean hasNext() { return cursor + batchSize <= order.length; }

    @Override
    public DataSet next() { return next(batchSize); }

    /** The next {@code num} source images as {@code V * num} rows (only the default size is prefetched). */
    @Override
    public DataSet next(int num) {
        if (num < 1) {
            throw new IllegalArgumentException("number of images must be >= 1, got " + num);
        }
        if (cursor + num > order.length) {
            throw new NoSuchElementException("epoch " + epoch + " has no " + num + " more images (at " + cursor
                    + " of " + order.length + "); call reset() to start the next epoch");
        }
        int start = cursor;
        int e = epoch;
        int[] o = order;
        int[] r = repeat;
        float[] features = num == batchSize
                ? workers.take(start, batchSize, o.length, s -> augment(o, r, e, s, batchSize))
                : augment(o, r, e, start, num);
        cursor += num;
        int[] idx = Arrays.copyOfRange(order, start, start + num);
        int v = views.length;
        DataSet ds = new DataSet(Nd4j.create(features, new long[] {(long) v * num, outShape[0], outShape[1],
                outShape[2]}, 'c'), Nd4j.create(labels(idx), new long[] {(long) v * num, totalOutcomes()}, 'c'));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    /** The views of images {@code order[start .. start+num)} of epoch {@code e}: a pure function of its arguments. */
    private float[] augment(int[] order, int[] repeat, int e, int start, int num) {
        int c = data.channels();
        int h = data.height();
        int w = data.width();
        int outLen = outShape[0] * outShape[1] * outShape[2];
        float[] features = new float[views.length * num * outLen];
        float[] src = new float[data.imageLength()];
        for (int i = 0; i < num; i++) {
            int image = order[start + i];
            int again = repeat[start + i];
            data.image(image, src);
            for (int v = 0; v < views.length; v++) {
                long s = again == 0 ? mix(seed, e, image, v) : mix(seed, e, image, v, again);
                float[] out = views[v].apply(src, c, h, w, new Random(s));
                System.arraycopy(out, 0, features, (v * num + i) * outLen, outLen);
            }
        }
        return features;
    }

    private float[] labels(int[] idx) {
        int k = totalOutcomes();
        float[] labels = new float[views.length * idx.length * k];
        if (data.isLabelled()) {
            for (int i = 0; i < idx.length; i++) {
                int cls = data.label(idx[i]);
                for (int v = 0; v < views.length; v++) {
                    labels[(i + v * idx.length) * k + cls] = 1f;
                }
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
    public int inputColumns() { return outShape[0] * outShape[1] * outShape[2]; }

    /** {@code numClasses}, or 1 for unlabelled data (whose labels are a zero column). */
    @Override
    public int totalOutcomes() { return data.isLabelled() ? data.numClasses() : 1; }

    @Override
    public boolean resetSupported() { return true; }

    @Override
    public boolean asyncSupported() { return true; }

    /** The number of rows per batch, {@code V * batchSize}. */
    @Override
    public int batch() { return views.length * batchSize; }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() { return preProcessor; }

    @Override
    public List<String> getLabels() { return null; }

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
        private List<AugmentationPipeline> pipelines = new ArrayList<>(Arrays.asList(null, null));
        private long seed = 42;
        private boolean shuffle = true;
        private TrainingRegime regime;
        private int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        private int prefetch = -1;

        private Builder(LabelledImages data) {
            this.data = Objects.requireNonNull(data, "data must not be null");
        }

        /** Number of source images per batch; each batch has {@code V} times as many rows. */
        public Builder batchSize(int batchSize) { this.batchSize = batchSize; return this; }

        /** The augmentation for both views. */
        public Builder pipeline(AugmentationPipeline pipeline) {
            this.pipelines.set(0, Objects.requireNonNull(pipeline, "pipeline must not be null"));
            return this;
        }

        /** A different augmentation for the second view (e.g. BYOL's asymmetric blur/solarize). */
        public Builder secondPipeline(AugmentationPipeline pipeline) {
            this.pipelines.set(1, pipeline);
            return this;
        }

        /** Multi-view: one pipeline per view ({@code >= 2}, same output shape); replaces the two above. */
        public Builder viewPipelines(List<AugmentationPipeline> pipelines) {
            if (pipelines == null || pipelines.size() < 2 || pipelines.stream().anyMatch(Objects::isNull)) {
                throw new IllegalArgumentException("need at least 2 non-null view pipelines, got " + pipelines);
            }
            this.pipelines = new ArrayList<>(pipelines);
            return this;
        }

        public Builder seed(long seed) { this.seed = seed; return this; }

        /** Shuffle the default multi-epoch regime (ignored when a {@link #regime} is set). */
        public Builder shuffle(boolean shuffle) { this.shuffle = shuffle; return this; }

        /** The training regime whose rounds are the epochs (default: multi-epoch over all images). */
        public Builder regime(TrainingRegime regime) { this.regime = regime; return this; }

        /**
         * Augmentation worker threads (default: the number of processors); 0 augments on the calling thread.
         * Results are identical for any number.
         */
        public Builder workers(int workers) { this.workers = workers; return this; }

        /** Batches augmented ahead of training at most (default: twice the workers). */
        public Builder prefetch(int prefetch) { this.prefetch = prefetch; return this; }

        /** {@code false} is {@code workers(0)}; {@code true} restores the default number of workers. */
        public Builder parallel(boolean parallel) {
            this.workers = parallel ? Math.max(1, Runtime.getRuntime().availableProcessors()) : 0;
            return this;
        }

        public TwoViewIterator build() {
            if (pipelines.get(0) == null) {
                throw new IllegalStateException("no augmentation pipeline set: call pipeline(...), e.g. "
                        + "AugmentationPipeline.simclrGrayscale(28)");
            }
            if (pipelines.size() == 2 && pipelines.get(1) == null) {
                pipelines.set(1, pipelines.get(0));
            }
            if (batchSize < 2) {
                throw new IllegalArgumentException("batchSize must be >= 2, got " + batchSize
                        + ": NT-Xent needs at least 2 images per batch to have negatives");
            }
            int perRound = regime != null ? regime.imagesPerRound() : data.size();
            if (batchSize > perRound) {
                throw new IllegalArgumentException("batchSize " + batchSize + " is larger than the "
                        + (regime != null ? "images per round of the regime (" : "data set (") + perRound
                        + " images): no full batch can be formed");
            }
            if (workers < 0) {
                throw new IllegalArgumentException("workers must be >= 0, got " + workers);
            }
            if (prefetch < 0) {
                prefetch = Math.max(1, 2 * workers);
            }
            if (prefetch < 1) {
                throw new IllegalArgumentException("prefetch must be >= 1, got " + prefetch);
            }
            return new TwoViewIterator(this);
        }
    }
}
