package io.github.dl4jssl.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.zip.ZipFile;

/** What a saved model names and holds: the classes of its configuration JSON and of the restored graph. */
final class ModelJson {
    private static final String PROJECT_PACKAGE = "io.github.dl4jssl.";

    private ModelJson() {
    }

    /** The configuration JSON that {@code ModelSerializer} wrote into {@code model.zip}. */
    static String configuration(Path modelZip) throws IOException {
        try (ZipFile zip = new ZipFile(modelZip.toFile());
             InputStream in = zip.getInputStream(zip.getEntry("configuration.json"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The fully qualified names of this project's classes that the JSON names (Jackson's {@code @class} and the like). */
    static SortedSet<String> projectClasses(String json) throws IOException {
        SortedSet<String> names = new TreeSet<>();
        collect(new ObjectMapper().readTree(json), names);
        return names;
    }

    private static void collect(JsonNode node, SortedSet<String> names) {
        if (node.isTextual() && node.asText().startsWith(PROJECT_PACKAGE)) {
            names.add(node.asText());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            collect(it.next().getValue(), names);
        }
        if (node.isArray()) {
            node.forEach(child -> collect(child, names));
        }
    }

    /**
     * Simple names of the classes a restored graph holds: every layer configuration (and the layer a frozen
     * wrapper holds), every graph vertex, each parameter's updater and that updater's learning-rate schedule.
     */
    static SortedSet<String> classesOf(ComputationGraph graph) {
        SortedSet<String> names = new TreeSet<>();
        graph.getConfiguration().getVertices().forEach((name, vertex) -> {
            names.add(vertex.getClass().getSimpleName());
            if (vertex instanceof LayerVertex) {
                org.deeplearning4j.nn.conf.layers.Layer conf = ((LayerVertex) vertex).getLayerConf().getLayer();
                addLayer(conf, names);
                Layer layer = graph.getLayer(name);
                for (String param : layer.paramTable().keySet()) {
                    addUpdater(innermost(conf).getUpdaterByParam(param), names);
                }
            }
        });
        return names;
    }

    private static org.deeplearning4j.nn.conf.layers.Layer innermost(org.deeplearning4j.nn.conf.layers.Layer conf) {
        return conf instanceof FrozenLayer ? innermost(((FrozenLayer) conf).getLayer()) : conf;
    }

    private static void addUpdater(IUpdater updater, SortedSet<String> names) {
        if (updater != null) {
            names.add(updater.getClass().getSimpleName());
            Object schedule = schedule(updater);
            if (schedule != null) {
                names.add(schedule.getClass().getSimpleName());
            }
        }
    }

    private static void addLayer(org.deeplearning4j.nn.conf.layers.Layer conf, SortedSet<String> names) {
        names.add(conf.getClass().getSimpleName());
        if (conf instanceof FrozenLayer) {
            addLayer(((FrozenLayer) conf).getLayer(), names);
        }
    }

    /** The learning-rate schedule of an updater that has one (Adam, Sgd, Nesterovs, ...), else null. */
    private static Object schedule(IUpdater updater) {
        try {
            Method m = updater.getClass().getMethod("getLearningRateSchedule");
            return m.invoke(updater);
        } catch (ReflectiveOperationException e) {
            return null;
        }
    }
}
