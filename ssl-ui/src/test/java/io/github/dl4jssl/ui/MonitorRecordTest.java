package io.github.dl4jssl.ui;

import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class MonitorRecordTest {

    private static MonitorRecord collapse(long ts) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("auc", 0.75);
        v.put("rankme", 3.5);
        return new MonitorRecord("s1", "w", ts, MonitorRecord.Kind.COLLAPSE, 12, 1, "backbone_fc2", v,
                new double[]{3.0, 2.0, 0.5});
    }

    @Test
    void encodeDecodeRoundTripsEveryField() throws IOException {
        MonitorRecord r = collapse(1234L);
        MonitorRecord fromBytes = new MonitorRecord();
        fromBytes.decode(r.encode());
        assertEquals(r, fromBytes);
        assertEquals(MonitorRecord.Kind.COLLAPSE, fromBytes.kind());
        assertEquals("backbone_fc2", fromBytes.subject());
        assertEquals(List.of("auc", "rankme"), List.copyOf(fromBytes.values().keySet()), "order kept");
        assertArrayEquals(new double[]{3.0, 2.0, 0.5}, fromBytes.vector());
        assertEquals(12, fromBytes.iteration());
        assertEquals(1, fromBytes.epoch());
        assertEquals(1234L, fromBytes.getTimeStamp());
        assertEquals(MonitorRecord.TYPE_ID, fromBytes.getTypeID());

        ByteBuffer buffer = ByteBuffer.allocate(r.encodingLengthBytes());
        r.encode(buffer);
        assertEquals(0, buffer.remaining(), "encodingLengthBytes is the exact length");
        buffer.flip();
        MonitorRecord fromBuffer = new MonitorRecord();
        fromBuffer.decode(buffer);
        assertEquals(r, fromBuffer);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.encode(out);
        MonitorRecord fromStream = new MonitorRecord();
        fromStream.decode(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(r, fromStream);
        assertNotEquals(r, collapse(1235L));
    }

    @Test
    void unknownFormatVersionNamesTheProblem() {
        byte[] bytes = collapse(1).encode();
        bytes[3] = 99;
        var e = assertThrows(java.io.UncheckedIOException.class, () -> new MonitorRecord().decode(bytes));
        assertTrue(e.getCause().getMessage().contains("format 99"), e.getCause().getMessage());
    }

    @Test
    void fileStatsStorageKeepsRecordsAcrossReopening(@TempDir Path dir) {
        var file = dir.resolve("ui-stats.dl4j").toFile();
        MonitorRecord info = new MonitorRecord("s1", "w", 1L, MonitorRecord.Kind.SESSION, 0, 0, "tiny", Map.of(), null);
        MonitorRecord a = collapse(2L);
        MonitorRecord b = new MonitorRecord("s1", "w", 3L, MonitorRecord.Kind.KNN, 20, 2, "", Map.of("top1", 0.625), null);
        FileStatsStorage storage = new FileStatsStorage(file);
        storage.putStaticInfo(info);
        storage.putUpdate(List.of(a, b));
        storage.close();

        FileStatsStorage reopened = new FileStatsStorage(file);
        try {
            assertEquals(List.of("s1"), reopened.listSessionIDs());
            assertEquals(info, reopened.getStaticInfo("s1", MonitorRecord.TYPE_ID, "w"));
            List<Persistable> updates = new java.util.ArrayList<>(reopened.getAllUpdatesAfter("s1", MonitorRecord.TYPE_ID, "w", 0));
            updates.sort(java.util.Comparator.comparingLong(Persistable::getTimeStamp));
            assertEquals(List.of(a, b), updates);
        } finally {
            reopened.close();
        }
    }
}
