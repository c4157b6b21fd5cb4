package io.github.dl4jssl.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Everything of a {@code train} run that a checkpoint holds beside the model ({@code model.zip}: the whole
 * ComputationGraph with its target branch, key queue and updater state, iteration and epoch counts), written
 * as {@code state.json}: where the data iterator stands, the random-number state, and the progress of the
 * report. The augmentations' Java RNGs need no state: {@code TwoViewIterator} derives the random generator
 * of every image, view and epoch from {@code (seed, epoch, image, view)}, and the epoch's shuffle from
 * {@code (seed, epoch)}, so the iterator position {@code (epoch, batch)} restores them exactly.
 */
public final class ResumeState {
    /** Updates applied so far (DL4J's iteration count of the next step). */
    public int iteration;
    /** Completed epochs (DL4J's epoch count), also the data iterator's epoch. */
    public int epoch;
    /** Batches of {@link #epoch} already trained on: the iterator resumes at this batch index. */
    public int batchInEpoch;
    /** ND4J's random generator on the training thread ({@code Nd4j.getRandom().rootState()/nodeState()}). */
    public long nd4jRootState;
    public long nd4jNodeState;
    /** Seconds spent in training before this checkpoint. */
    public double trainSeconds;
    /** The loss sum and count of the steps of the unfinished epoch, for its mean. */
    public double epochLossSum;
    public int epochLossCount;
    /** The report so far: baseline accuracies and the per-epoch lists of the completed epochs. */
    public RunReport report;
    /** The research monitors' measurements and CSV lengths (null in checkpoints written before they were saved). */
    public MonitorState monitors;
    /** The loss of the run's first step, the reference of the divergence stop (null before the first step). */
    public Double firstLoss;

    private static ObjectMapper mapper() {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    void write(Path file) throws IOException {
        mapper().writeValue(file.toFile(), this);
    }

    public static ResumeState read(Path file) throws IOException {
        return mapper().readValue(file.toFile(), ResumeState.class);
    }
}
