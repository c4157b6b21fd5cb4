package io.github.dl4jssl.listeners;

import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The old name of {@link io.github.dl4jssl.layers.TrainModeFrozenLayer} (moved to ssl-layers, since it is a layer
 * configuration): kept only so that model files and checkpoints written by version 0.1.0, whose JSON names this
 * class, still load with {@code ModelSerializer} (Jackson stores the fully qualified class name; DL4J's
 * subtype-name registration does not apply to it). New graphs use the class in ssl-layers. Package-private, so
 * that no two public classes of the project share a simple name: Jackson instantiates it through the annotated
 * constructor all the same ({@code TrainModeFrozenLayerOldNameTest}, {@code OldModelFilesLoadTest}).
 *
 * @deprecated use {@link io.github.dl4jssl.layers.TrainModeFrozenLayer}
 */
@Deprecated(since = "0.2.0")
final class TrainModeFrozenLayer extends io.github.dl4jssl.layers.TrainModeFrozenLayer {

    private static final long serialVersionUID = 1L;

    /** @param layer the layer configuration to wrap */
    TrainModeFrozenLayer(@JsonProperty("layer") Layer layer) {
        super(layer);
    }
}
