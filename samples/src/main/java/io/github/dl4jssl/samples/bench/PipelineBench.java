package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.zoo.transforms.AugmentationPipeline;
import io.github.dl4jssl.zoo.data.Datasets;
import io.github.dl4jssl.zoo.data.LabelledImages;
import io.github.dl4jssl.zoo.data.TwoViewIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The augmentation pipeline alone, without a network: how many images per second {@link TwoViewIterator}
 * delivers with a given number of worker threads, to compare with what training consumes (the {@code bench}
 * command's training images/s; both count every view).
 */
public final class PipelineBench {

    /** One measurement: source images/s and view images/s (= source x views). */
    public record Result(String data, int workers, int batchSize, int batches, double sourceImagesPerSecond,
                  double viewImagesPerSecond) {
    }

    private PipelineBench() {
    }

    /** Random images of the given shape (augmentation cost does not depend on the content). */
    public static LabelledImages synthetic(int n, int channels, int side) {
        Nd4j.getRandom().setSeed(1);
        return LabelledImages.unlabelled(Nd4j.rand(DataType.FLOAT, n, channels, side, side));
    }

    /** Times {@code batches} batches (after {@code warmup} untimed ones) with {@code workers} threads. */
    public static Result measure(String name, LabelledImages data, int workers, int batchSize, int batches, int warmup) {
        AugmentationPipeline pipeline = Datasets.simclrPipeline(data);
        TwoViewIterator it = TwoViewIterator.builder(data).batchSize(batchSize).pipeline(pipeline).seed(1)
                .workers(workers).build();
        try {
            long t0 = 0;
            for (int b = 0; b < warmup + batches; b++) {
                if (b == warmup) {
                    t0 = System.nanoTime();
                }
                if (!it.hasNext()) {
                    it.reset();
                }
                it.next();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double src = (double) batches * batchSize / seconds;
            return new Result(name, workers, batchSize, batches, src, src * it.numViews());
        } finally {
            it.shutdown();
        }
    }
}
