package io.github.dl4jssl.train;

import io.github.dl4jssl.zoo.backbone.Backbone;
import io.github.dl4jssl.zoo.backbone.BackboneGraph;
import io.github.dl4jssl.zoo.backbone.Backbones;
import io.github.dl4jssl.zoo.backbone.LayerImplementation;
import io.github.dl4jssl.listeners.eval.FeatureExtractor;
import io.github.dl4jssl.zoo.method.SslMethod;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A backbone read from what {@code train} saved: a run directory ({@code backbone.zip}, else {@code model.zip}),
 * the whole self-supervised graph ({@code model.zip}) or the backbone alone ({@code backbone.zip}). The kind of
 * backbone (one of {@link Backbones#NAMES}) and its input size are recognised from the graph: the kind whose
 * layers under the prefix {@value SslMethod#BACKBONE_PREFIX} are exactly the graph's, at the width multiplier that
 * gives the saved layers' channels ({@link #widthMultipliers}); {@code train} records the
 * image size in the file ({@link #tag}), and images of another size or channel count are refused.
 *
 * @param backbone the recognised backbone description
 * @param graph    the backbone alone, one input and the feature vector as output, with the saved weights
 * @param file     the model file read
 */
public record SavedBackbone(Backbone backbone, ComputationGraph graph, Path file) {
    /** The entry of {@code model.zip} / {@code backbone.zip} that names the images the backbone was built for. */
    public static final String INPUT_ENTRY = "dl4jssl-input";

    /** Records in a saved model file the image size {@code backbone} was built for ("CxHxW"). */
    public static void tag(Path file, Backbone backbone) {
        InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) backbone.inputType();
        ModelSerializer.addObjectToFile(file.toFile(), INPUT_ENTRY, in.getChannels() + "x" + in.getHeight() + "x" + in.getWidth());
    }

    /**
     * Refuses a {@code --model} path that does not exist, before any data is loaded, naming what it may be: a run
     * directory, its {@code model.zip} or {@code backbone.zip}, then {@code otherChoices} (e.g. {@code ", or
     * pretrained:NAME"}; empty for none). The one place of this message: {@link #load} applies it,
     * and {@code eval} and {@code collapse} call it early to refuse before they load any data.
     */
    public static void checkExists(Path path, String otherChoices) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("--model " + path + " does not exist; give a run directory, model.zip or backbone.zip"
                    + otherChoices);
        }
    }

    /**
     * Reads the backbone saved at {@code path} for images of {@code imageShape} {@code [N, C, H, W]}: their size
     * must be the one recorded in the file by {@link #tag}; an untagged file is checked for the channel count.
     */
    public static SavedBackbone load(Path path, long[] imageShape) throws IOException {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = Files.isRegularFile(path.resolve("backbone.zip")) ? path.resolve("backbone.zip") : path.resolve("model.zip");
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("--model " + path + ": the directory has no backbone.zip or model.zip; "
                        + "give the output directory of a train run or one of its model files");
            }
        } else {
            checkExists(path, "");
        }
        ComputationGraph saved;
        try {
            saved = ModelSerializer.restoreComputationGraph(file.toFile(), false);
        } catch (Exception e) {
            throw new IllegalArgumentException("--model " + file + " is not a DL4J ComputationGraph saved with ModelSerializer ("
                    + e.getMessage() + "); give model.zip or backbone.zip of a train run");
        }
        FeatureExtractor.checkImageShape(saved, imageShape);
        int c = (int) imageShape[1];
        int h = (int) imageShape[2];
        int w = (int) imageShape[3];
        if (ModelSerializer.listObjectsInFile(file.toFile()).contains(INPUT_ENTRY)) {
            String[] chw = ModelSerializer.<String>getObjectFromFile(file.toFile(), INPUT_ENTRY).split("x");
            c = Integer.parseInt(chw[0]);
            h = Integer.parseInt(chw[1]);
            w = Integer.parseInt(chw[2]);
            FeatureExtractor.checkImageShape(InputType.convolutional(h, w, c), imageShape);
        }
        Set<String> layers = backboneLayers(saved);
        for (LayerImplementation impl : implementations()) {
            for (String name : Backbones.NAMES) {
                ComputationGraph fresh = graph(Backbones.byName(name, h, w, c, impl, 1.0));
                if (backboneLayers(fresh).equals(layers)) {
                    for (double multiplier : widthMultipliers(saved, fresh, layers)) {
                        Backbone b = Backbones.byName(name, h, w, c, impl, multiplier);
                        try {
                            return new SavedBackbone(b, BackboneGraph.extract(saved, b, SslMethod.BACKBONE_PREFIX), file);
                        } catch (IllegalArgumentException shapesDiffer) {
                            // same layer names, other shapes: try the next width, then the next kind
                        }
                    }
                }
            }
        }
        throw new IllegalArgumentException("--model " + file + " holds no backbone of a known kind (" + String.join(", ", Backbones.NAMES)
                + ") under the prefix '" + SslMethod.BACKBONE_PREFIX + "'; give model.zip or backbone.zip of a train run");
    }

    /**
     * The layer implementations whose graphs a saved backbone may have: the default first, then the fused blocks
     * ({@link LayerImplementation#FUSED}: one vertex per convolution + batch norm + ReLU block, other names). DL4J's and
     * the native layers share their vertex names, so one of the two stands for both.
     */
    private static List<LayerImplementation> implementations() {
        return LayerImplementation.DEFAULT == LayerImplementation.FUSED
                ? List.of(LayerImplementation.FUSED, LayerImplementation.NATIVE)
                : List.of(LayerImplementation.DEFAULT, LayerImplementation.FUSED);
    }

    private static ComputationGraph graph(Backbone b) {
        ComputationGraph g = new ComputationGraph(BackboneGraph.standalone(b, SslMethod.BACKBONE_PREFIX, 1)); // any seed: loaded over
        g.init();
        return g;
    }

    /**
     * The width multipliers ({@code train --width-multiplier}) that may have built {@code saved} from the architecture
     * {@code fresh} has at multiplier 1: 1 first, then each layer's ratio of saved to original output channels (the
     * channels are rounded per layer, so one of the ratios reproduces them all).
     */
    static Set<Double> widthMultipliers(ComputationGraph saved, ComputationGraph fresh, Set<String> layers) {
        Set<Double> candidates = new LinkedHashSet<>(List.of(1.0));
        for (String layer : layers) {
            if (saved.getLayer(layer).conf().getLayer() instanceof FeedForwardLayer s
                    && fresh.getLayer(layer).conf().getLayer() instanceof FeedForwardLayer f && f.getNOut() > 0) {
                candidates.add((double) s.getNOut() / f.getNOut());
            }
        }
        return candidates;
    }

    private static Set<String> backboneLayers(ComputationGraph g) {
        Set<String> names = new TreeSet<>();
        for (GraphVertex v : g.getVertices()) {
            if (v.hasLayer() && v.getVertexName().startsWith(SslMethod.BACKBONE_PREFIX)) {
                names.add(v.getVertexName());
            }
        }
        return names;
    }
}
