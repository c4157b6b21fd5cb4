package io.github.dl4jssl.layers;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Why {@link NetworkSeed} refuses 0: a probe of ND4J's native random generator, and the check itself. */
class NetworkSeedTest {

    private static INDArray draw(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, 4, 8);
    }

    /** Probe (DL4J 1.0.0-M2.1): seed 0 is replaced with the clock, any other seed repeats. */
    @Test
    void nd4jRepeatsEverySeedButZero() throws InterruptedException {
        assertEquals(draw(1), draw(1));
        assertEquals(draw(42), draw(42));
        INDArray first = draw(0);
        Thread.sleep(25); // the generator reads the clock in milliseconds
        assertNotEquals(first, draw(0), "if seed 0 repeats now, ND4J changed and NetworkSeed may allow it");
    }

    @Test
    void seedZeroIsRefusedWithTheReasonAndTheFix() {
        assertEquals(7, NetworkSeed.check("--seed", 7));
        assertEquals(-3, NetworkSeed.check("--seed", -3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkSeed.check("--seed", 0));
        assertTrue(e.getMessage().startsWith("--seed 0 would not repeat"), e.getMessage());
        assertTrue(e.getMessage().contains("use any other seed"), e.getMessage());
    }
}
