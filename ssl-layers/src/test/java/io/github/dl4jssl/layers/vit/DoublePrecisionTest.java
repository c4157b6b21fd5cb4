package io.github.dl4jssl.layers.vit;

import io.github.dl4jssl.layers.DoublePrecision;
import org.junit.jupiter.api.extension.ExtendWith;

/** Base of the ViT layer tests: ND4J's default data type is DOUBLE while they run (gradient checks need it). */
@ExtendWith(DoublePrecision.class)
abstract class DoublePrecisionTest {
}
