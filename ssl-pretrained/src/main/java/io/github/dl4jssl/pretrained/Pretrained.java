package io.github.dl4jssl.pretrained;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The pretrained backbones shipped in this artifact, loaded from the classpath (no network). Each is a backbone
 * alone, one image input and its feature vector as output, saved by {@code train} as {@code backbone.zip}: ready for
 * feature extraction ({@code FeatureExtractor}, {@code graph.outputSingle(images)}) or for DL4J's
 * {@code TransferLearning.GraphBuilder}. Beside each {@code NAME.zip} is its card {@code NAME.json}
 * ({@link PretrainedCard}); {@value #INDEX} lists the names, so a new backbone is a data change: a card, a weights
 * file and a line (see {@code scripts/regenerate-pretrained.sh}).
 *
 * <pre>{@code
 * ComputationGraph backbone = Pretrained.backbone("simclr-small-cnn-fashion-mnist");
 * INDArray features = backbone.outputSingle(images);       // [N, 128] for [N, 1, 28, 28] images
 * }</pre>
 */
public final class Pretrained {
    /** The classpath folder of the backbones and their cards. */
    public static final String FOLDER = "io/github/dl4jssl/pretrained/";
    /** The file in {@link #FOLDER} that lists the shipped names, one a line. */
    public static final String INDEX = "index.txt";

    private Pretrained() {
    }

    /** The names of the shipped backbones, in the order of {@value #INDEX}. */
    public static List<String> names() {
        try (InputStream in = open(INDEX)) {
            List<String> names = new ArrayList<>();
            new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(names::add);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FOLDER + INDEX + " from the classpath", e);
        }
    }

    /** The cards of all shipped backbones. */
    public static List<PretrainedCard> list() {
        return names().stream().map(Pretrained::card).toList();
    }

    /** The card of the backbone {@code name}; an unknown name is refused with the list of the shipped ones. */
    public static PretrainedCard card(String name) {
        try (InputStream in = open(checked(name) + ".json")) {
            return PretrainedCard.read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the card of pretrained backbone " + name, e);
        }
    }

    /**
     * The backbone {@code name} with its pretrained weights, without updater state, as a fresh graph (each call
     * reads the weights again, so callers may change it).
     *
     * @throws IllegalArgumentException for a name that is not shipped, naming the ones that are
     */
    public static ComputationGraph backbone(String name) throws IOException {
        try (InputStream in = open(checked(name) + ".zip")) {
            return ModelSerializer.restoreComputationGraph(in, false);
        }
    }

    /** Copies the weights file of {@code name} ({@code NAME.zip}, a {@code ModelSerializer} file) to {@code file}. */
    public static Path copyTo(String name, Path file) throws IOException {
        try (InputStream in = open(checked(name) + ".zip")) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    /** Where the weights of {@code name} are on the classpath (a {@code jar:} URL when loaded from the artifact). */
    public static URL weights(String name) {
        return resource(checked(name) + ".zip");
    }

    private static String checked(String name) {
        List<String> names = names();
        if (name == null || !names.contains(name)) {
            throw new IllegalArgumentException("no pretrained backbone named '" + name + "'; the shipped ones are: "
                    + String.join(", ", names) + " (Pretrained.list() or ./dl4j-ssl pretrained shows their cards)");
        }
        return name;
    }

    private static InputStream open(String file) throws IOException {
        return resource(file).openStream();
    }

    private static URL resource(String file) {
        URL url = Pretrained.class.getClassLoader().getResource(FOLDER + file);
        if (url == null) {
            throw new IllegalStateException(FOLDER + file + " is missing from the classpath: is the ssl-pretrained jar complete?");
        }
        return url;
    }
}
