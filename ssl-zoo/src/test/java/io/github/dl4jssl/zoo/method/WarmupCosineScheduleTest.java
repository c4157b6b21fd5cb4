package io.github.dl4jssl.zoo.method;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import static org.junit.jupiter.api.Assertions.*;

class WarmupCosineScheduleTest {

    @Test
    void linearWarmupThenCosineToZero() {
        WarmupCosineSchedule s = new WarmupCosineSchedule(1.0, 4, 12);
        assertEquals(0.25, s.valueAt(0, 0), 1e-15);
        assertEquals(1.0, s.valueAt(3, 0), 1e-15);
        assertEquals(1.0, s.valueAt(4, 0), 1e-15);                          // cos(0)
        assertEquals(0.5, s.valueAt(8, 0), 1e-15);                          // halfway: (1 + cos(pi/2)) / 2
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 3 / 8)), s.valueAt(7, 0), 1e-15);
        assertEquals(0.0, s.valueAt(12, 0), 0.0);
        assertEquals(0.0, s.valueAt(100, 0), 0.0);
        assertEquals(1.0, new WarmupCosineSchedule(1.0, 0, 10).valueAt(0, 0), 1e-15);
    }

    @Test
    void jsonRoundTripInsideAdam() throws Exception {
        Adam adam = new Adam(new WarmupCosineSchedule(1.5e-4, 40, 300));
        ObjectMapper mapper = org.deeplearning4j.nn.conf.serde.JsonMappers.getMapper();
        Adam back = mapper.readValue(mapper.writeValueAsString(adam), Adam.class);
        ISchedule schedule = back.getLearningRateSchedule();
        assertEquals(adam.getLearningRateSchedule(), schedule);
        assertEquals(adam.getLearningRate(100, 0), back.getLearningRate(100, 0), 0.0);
    }

    @Test
    void badArgumentsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(0, 1, 10));
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(1e-3, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(1e-3, -1, 10));
    }
}
