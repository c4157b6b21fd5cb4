package io.github.dl4jssl.zoo.method;

import io.github.dl4jssl.zoo.backbone.SmallCnn;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/** {@code headHidden}: the hidden width of the default projection and prediction MLPs, the rest unchanged. */
class HeadHiddenTest {

    /** nOut of the online heads' dense layers, by vertex name ({@code projector_fc1}, {@code predictor_fc2}, ...). */
    private static Map<String, Long> headWidths(String method, Integer headHidden) {
        SslMethods.Options o = new SslMethods.Options(null, null, 64, 32, 1L, null, null).withHeadHidden(headHidden);
        ComputationGraphConfiguration conf = SslMethods.create(method, new SmallCnn(28, 28, 1), o).configuration();
        Map<String, Long> widths = new TreeMap<>();
        conf.getVertices().forEach((name, v) -> {
            if ((name.startsWith(SslMethod.PROJECTOR_PREFIX) || name.startsWith(SslMethod.PREDICTOR_PREFIX))
                    && v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof DenseLayer) {
                widths.put(name, ((DenseLayer) ((LayerVertex) v).getLayerConf().getLayer()).getNOut());
            }
        });
        return widths;
    }

    @ParameterizedTest
    @ValueSource(strings = {"simclr", "simclr-ema", "mocov3", "byol", "simsiam"})
    void hiddenLayersTakeTheWidthAndOutputsKeepTheirs(String method) {
        Map<String, Long> own = headWidths(method, null);
        Map<String, Long> narrow = headWidths(method, 24);
        assertEquals(own.keySet(), narrow.keySet(), "the same layers");
        assertFalse(own.isEmpty());
        own.forEach((name, width) -> {
            if (name.endsWith("fc1")) {
                assertEquals(24L, narrow.get(name), method + " " + name);
                assertNotEquals(24L, width, method + " " + name + " has the method's own width by default");
            } else {
                assertEquals(width, narrow.get(name), method + " " + name + ": output sizes stay");
            }
        });
    }

    @Test
    void widthBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SimClr.Builder().headHidden(0));
        assertTrue(e.getMessage().contains("headHidden") && e.getMessage().contains("0"), e.getMessage());
    }
}
