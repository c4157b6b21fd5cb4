package io.github.dl4jssl.samples.bench;

import io.github.dl4jssl.layers.NtXentLoss;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link FlopCounter} against multiply-adds counted by hand on a tiny graph. */
class FlopCounterTest {

    /** in [2, 4, 4] -> conv 3x3 Same (3) -> conv 2x2/2 Truncate (5) -> dense (7) -> NT-Xent. */
    private static ComputationGraphConfiguration tiny(boolean freezeSecondConv) {
        Layer conv2 = new ConvolutionLayer.Builder(2, 2).stride(2, 2).nOut(5).convolutionMode(ConvolutionMode.Truncate).build();
        if (freezeSecondConv) {
            conv2 = new FrozenLayer.Builder().layer(conv2).build();
        }
        return new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(4, 4, 2))
                .addLayer("conv1", new ConvolutionLayer.Builder(3, 3).nOut(3).convolutionMode(ConvolutionMode.Same).build(), "in")
                .addLayer("conv2", conv2, "conv1")
                .addLayer("fc", new DenseLayer.Builder().nOut(7).build(), "conv2")
                .addLayer("loss", new NtXentLoss.Builder().temperature(0.5).build(), "fc")
                .setOutputs("loss").build();
    }

    @Test
    void countsMultiplyAddsAsByHand() {
        // conv1: 3 out channels x 4x4 pixels x 2 in channels x 3x3 kernel = 864
        // conv2: 5 x 2x2 x 3 x 2x2 = 240; fc: (5*2*2 = 20) x 7 = 140; forward per row 1244, training 3 x 1244
        // NT-Xent over 8 rows of width 7: 8*8*7 = 448 forward, 3 x 448 in training
        FlopCounter.Count c = FlopCounter.count(tiny(false), 8, InputType.convolutional(4, 4, 2));
        assertEquals(1244, c.forwardMacsPerRow());
        assertEquals(3732, c.trainingMacsPerRow());
        assertEquals(448, c.lossForwardMacs());
        assertEquals(1344, c.lossTrainingMacs());
        assertEquals(3732.0 * 8 + 1344, c.trainingMacs(8));
    }

    @Test
    void frozenLayersCountOnlyTheirForwardPass() {
        FlopCounter.Count c = FlopCounter.count(tiny(true), 8, InputType.convolutional(4, 4, 2));
        assertEquals(1244, c.forwardMacsPerRow());
        assertEquals(3 * (864 + 140) + 240, c.trainingMacsPerRow());
    }

    @Test
    void wrongNumberOfInputTypesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> FlopCounter.count(tiny(false), 8));
    }
}
