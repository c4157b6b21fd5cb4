package io.github.dl4jssl.train;

/**
 * One row of the label-efficiency evaluation in {@code report.json}: test top-1 accuracies with {@code labelsPerClass}
 * labelled training images per class (see {@link LabelEfficiency}).
 */
public final class LabelEfficiencyResult {
    public int labelsPerClass;
    /** labelsPerClass x the number of classes. */
    public int labelledImages;
    /** Linear probe on the trained backbone's frozen features. */
    public double linearTop1;
    /** The same probe on the same backbone with its random initial weights. */
    public double randomLinearTop1;
    /** The same probe on the raw pixels. */
    public double rawPixelLinearTop1;
    /** The same backbone trained supervised from random weights on the labelled images, with augmentation. */
    public double supervisedTop1;
}
