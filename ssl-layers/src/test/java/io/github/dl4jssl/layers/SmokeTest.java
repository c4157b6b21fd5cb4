package io.github.dl4jssl.layers;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import static org.junit.jupiter.api.Assertions.*;
class SmokeTest {
  @Test void nd4jLoads() { assertEquals(6.0, Nd4j.ones(2,3).sumNumber().doubleValue(), 1e-9); }
}
