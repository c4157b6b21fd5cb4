package io.github.dl4jssl.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;

/**
 * A DL4J training listener that shows a terminal progress bar per epoch: images done (both views
 * counted), images per second and the current loss.
 */
public final class ProgressBarListener extends BaseTrainingListener implements AutoCloseable {

    private final String task;
    private final long imagesPerEpoch;
    private ProgressBar bar;

    public ProgressBarListener(String task, long imagesPerEpoch) {
        this.task = task;
        this.imagesPerEpoch = imagesPerEpoch;
    }

    /** Starts the bar of a new epoch (closing the previous one). */
    public void startEpoch(int epoch, int epochs) {
        close();
        bar = new ProgressBarBuilder().setTaskName(String.format("%s %d/%d", task, epoch, epochs))
                .setInitialMax(imagesPerEpoch).setUnit(" img", 1).showSpeed()
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(1000).build();
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (bar != null) {
            bar.stepBy(model.batchSize());
            bar.setExtraMessage(String.format(" loss %.4f", model.score()));
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
