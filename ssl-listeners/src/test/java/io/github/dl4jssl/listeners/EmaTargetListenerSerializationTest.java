package io.github.dl4jssl.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J on Spark ships the listeners of a SparkComputationGraph to the executors with Java serialization: a
 * deserialized {@link EmaTargetListener} keeps its schedule and scope and does the same EMA step.
 */
class EmaTargetListenerSerializationTest {

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T object) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(object);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    @Test
    void aDeserializedCopyHasTheSameScheduleAndDoesTheSameStep() throws Exception {
        EmaTargetListener original = EmaTargetListener.builder().scope(EmaScope.encoder())
                .momentum(MomentumSchedule.cosine(0.9, 10)).build();
        EmaTargetListener copy = roundTrip(original);
        for (long k : new long[] {0, 3, 5, 10}) {
            assertEquals(original.getSchedule().momentum(k), copy.getSchedule().momentum(k), 0.0, "momentum at " + k);
        }
        ComputationGraph a = EmaTargetListenerTest.graph(true);
        EmaTargetListenerTest.scramble(a, 5);
        ComputationGraph b = a.clone();
        original.iterationDone(a, 3, 0);
        copy.iterationDone(b, 3, 0);
        INDArray pa = a.params(), pb = b.params();
        assertEquals(pa, pb, "same EMA step from the original and the copy");
        assertEquals(0.9, roundTrip(MomentumSchedule.constant(0.9)).momentum(7), 0.0);
        assertEquals(EmaScope.stages("stage3").toString(), roundTrip(EmaScope.stages("stage3")).toString());
    }
}
