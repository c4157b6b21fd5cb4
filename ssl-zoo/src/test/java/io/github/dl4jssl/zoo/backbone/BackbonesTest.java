package io.github.dl4jssl.zoo.backbone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;

class BackbonesTest {

    @Test
    void knownNames() {
        Backbone small = Backbones.byName("small-cnn", 28, 28, 1);
        assertInstanceOf(SmallCnn.class, small);
        assertEquals("small-cnn", small.name());
        assertEquals(InputType.convolutional(28, 28, 1), small.inputType());
        Backbone resnet = Backbones.byName("ResNet18-CIFAR", 32, 32, 3);
        assertInstanceOf(ResNet18Cifar.class, resnet);
        assertEquals(512, resnet.featureSize());
        assertEquals(InputType.convolutional(32, 32, 3), resnet.inputType());
    }

    @Test
    void unknownNameListsValidNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backbones.byName("vgg16", 32, 32, 3));
        assertTrue(e.getMessage().contains("vgg16"), e.getMessage());
        assertTrue(e.getMessage().contains("small-cnn"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet18-cifar"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backbones.byName(null, 32, 32, 3));
    }
}
