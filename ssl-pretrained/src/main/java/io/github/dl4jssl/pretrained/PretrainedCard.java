package io.github.dl4jssl.pretrained;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The card of a shipped backbone ({@code NAME.json} beside {@code NAME.zip}): what was trained, with which exact
 * command and code version, how long and where, and how it evaluates. The evaluation is the {@code train} protocol
 * (weighted kNN, k = 200, cosine, T = 0.1; linear probe on standardised frozen features) with the raw-pixel and
 * random-weight baselines beside it, and {@link SubsetCheck}: the kNN top-1 on a small fixed subset that a test
 * re-measures from the shipped weights.
 *
 * @param name          the backbone's name, e.g. {@code simclr-small-cnn-fashion-mnist}
 * @param method        the self-supervised method ({@code train --method})
 * @param backbone      the architecture ({@code train --backbone})
 * @param widthMultiplier the backbone's width multiplier
 * @param dataset       the data set it was trained on ({@code train --dataset})
 * @param inputShape    the images it takes, {@code [channels, height, width]}
 * @param featureSize   the length of its feature vector
 * @param command       the exact command that trained it (run from the repository root)
 * @param codeVersion   the git commit the command ran at
 * @param seed          the run's seed
 * @param epochs        the pre-training epochs
 * @param trainImages   the images seen per epoch
 * @param trainSeconds  the pre-training time
 * @param totalSeconds  the whole command's time (baselines, training, evaluation)
 * @param machine       the machine it ran on
 * @param date          the day it was trained (ISO-8601)
 * @param evaluation    its evaluation under the {@code train} protocol, with the baselines
 * @param check         the fixed-subset kNN a test re-measures
 * @param sizeBytes     the size of {@code NAME.zip}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PretrainedCard(String name, String method, String backbone, double widthMultiplier, String dataset,
                             List<Integer> inputShape, int featureSize, String command, String codeVersion, long seed,
                             int epochs, int trainImages, double trainSeconds, double totalSeconds, String machine,
                             String date, Evaluation evaluation, SubsetCheck check, long sizeBytes) {

    /**
     * Top-1 accuracies (fractions) under the {@code train} protocol, on {@code evalTestImages} test images with the
     * first {@code evalTrainImages} training images as kNN bank and linear-probe training set.
     */
    public record Evaluation(int evalTrainImages, int evalTestImages, double knnTop1, double linearTop1,
                             double randomKnnTop1, double randomLinearTop1, double rawPixelKnnTop1,
                             double rawPixelLinearTop1) {
    }

    /**
     * The weighted kNN top-1 (k = 200, cosine, T = 0.1) with the first {@code bankImages} training images as bank,
     * tested on the first {@code testImages} test images: small enough to re-measure in seconds.
     */
    public record SubsetCheck(int bankImages, int testImages, double knnTop1) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Reads a card. */
    public static PretrainedCard read(InputStream in) throws IOException {
        return JSON.readValue(in, PretrainedCard.class);
    }

    /** Writes this card as JSON. */
    public void write(Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(this) + "\n");
    }

    /** A few lines for people: what it is, how it was made, how it evaluates. */
    public String describe() {
        Evaluation e = evaluation;
        return String.format(Locale.ROOT, "%s: %s on %s (width %s, %s -> %d features), trained on %s%n"
                        + "  kNN top-1 %s | random weights %s | raw pixels %s; linear top-1 %s | random %s | raw pixels %s"
                        + " (%,d bank / %,d test images)%n"
                        + "  check: kNN top-1 %s on the first %,d training / %,d test images%n"
                        + "  made by: %s  (code %s, seed %d, %d epochs of %,d images, %.0f s training, %s, %s)%n"
                        + "  %,d bytes",
                name, method, backbone, widthMultiplier, inputShape, featureSize, dataset,
                pct(e.knnTop1()), pct(e.randomKnnTop1()), pct(e.rawPixelKnnTop1()), pct(e.linearTop1()),
                pct(e.randomLinearTop1()), pct(e.rawPixelLinearTop1()), e.evalTrainImages(), e.evalTestImages(),
                pct(check.knnTop1()), check.bankImages(), check.testImages(),
                command, codeVersion, seed, epochs, trainImages, trainSeconds, date, machine, sizeBytes);
    }

    private static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }
}
