package io.github.dl4jssl.ui;

import org.deeplearning4j.core.storage.Persistable;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One measurement of a research monitor as a DL4J {@link Persistable}, the unit a {@code StatsStorage} keeps
 * (in memory, or on disk in a {@code FileStatsStorage}) and the training UI reads back.
 *
 * <p>{@link #kind()} says which monitor measured: {@link Kind#GRADIENT} ({@code GradientMagnitudeMonitor}: values
 * {@code norm/<block>}, {@code fluctuation/<block>}, {@code spike/<block>} = 0 or 1), {@link Kind#COLLAPSE}
 * ({@code CollapseMonitor}: {@link #subject()} = the vertex, values {@code collapseAuc} (Li, Efros, Pathak 2022,
 * Equation 2), {@code varianceAuc} (squared singular values), {@code rankme}, {@code samples}, {@link #vector()} = the
 * singular values, descending; records written before the collapse AUC followed Equation 2 have only {@code auc},
 * which was the variance AUC, and {@code rankme}) or {@link Kind#KNN} ({@code KnnMonitor}: value {@code top1}). Records are updates of
 * type {@link #TYPE_ID}; the storage keys updates by (session, type, worker, timestamp), so a publisher must give
 * each record of a worker its own timestamp ({@link MonitorStatsPublisher} does).
 *
 * <p>Encoding: a versioned binary form ({@link DataOutputStream}); a public no-argument constructor lets
 * {@code MapDBStatsStorage} re-create records from a file by class name, then {@link #decode(byte[])}.
 */
public final class MonitorRecord implements Persistable {

    /** The StatsStorage type ID of these records. */
    public static final String TYPE_ID = "SslMonitors";
    private static final int FORMAT_VERSION = 1;

    /** Which monitor produced a record. */
    public enum Kind {
        /** Gradient L2 norm and its fluctuation per block. */
        GRADIENT,
        /** Dimensional-collapse metrics of a vertex. */
        COLLAPSE,
        /** Weighted kNN top-1 accuracy. */
        KNN,
        /** The session's static info ({@link #subject()}: a description of the run); DL4J's storages list a session
         * only once it has static info. */
        SESSION
    }

    private String sessionId;
    private String workerId;
    private long timestamp;
    private Kind kind;
    private int iteration;
    private int epoch;
    private String subject;
    private Map<String, Double> values;
    private double[] vector;

    /** For decoding only. */
    public MonitorRecord() {
    }

    /**
     * @param sessionId the training session
     * @param workerId  the worker (the publisher)
     * @param timestamp milliseconds; unique per session and worker
     * @param kind      which monitor
     * @param iteration DL4J iteration count of the measurement
     * @param epoch     DL4J epoch count of the measurement
     * @param subject   what was measured (a vertex for collapse), or ""
     * @param values    named scalars (see the class documentation)
     * @param vector    a vector (the singular values for collapse), possibly empty
     */
    public MonitorRecord(String sessionId, String workerId, long timestamp, Kind kind, int iteration, int epoch,
                         String subject, Map<String, Double> values, double[] vector) {
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.timestamp = timestamp;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.iteration = iteration;
        this.epoch = epoch;
        this.subject = subject == null ? "" : subject;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.vector = vector == null ? new double[0] : vector.clone();
    }

    /** @return which monitor measured */
    public Kind kind() { return kind; }

    /** @return DL4J iteration count */
    public int iteration() { return iteration; }

    /** @return DL4J epoch count */
    public int epoch() { return epoch; }

    /** @return the vertex (collapse) or "" */
    public String subject() { return subject; }

    /** @return the named values, in insertion order */
    public Map<String, Double> values() { return values; }

    /** @return a copy of the vector */
    public double[] vector() { return vector.clone(); }

    @Override
    public String getSessionID() { return sessionId; }

    @Override
    public String getTypeID() { return TYPE_ID; }

    @Override
    public String getWorkerID() { return workerId; }

    @Override
    public long getTimeStamp() { return timestamp; }

    @Override
    public int encodingLengthBytes() { return encode().length; }

    @Override
    public byte[] encode() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + 16 * values.size() + 8 * vector.length);
        try {
            encode(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void encode(ByteBuffer buffer) {
        buffer.put(encode());
    }

    @Override
    public void encode(OutputStream outputStream) throws IOException {
        DataOutputStream out = new DataOutputStream(outputStream);
        out.writeInt(FORMAT_VERSION);
        out.writeUTF(sessionId);
        out.writeUTF(workerId);
        out.writeLong(timestamp);
        out.writeUTF(kind.name());
        out.writeInt(iteration);
        out.writeInt(epoch);
        out.writeUTF(subject);
        out.writeInt(values.size());
        for (Map.Entry<String, Double> e : values.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeDouble(e.getValue());
        }
        out.writeInt(vector.length);
        for (double v : vector) {
            out.writeDouble(v);
        }
        out.flush();
    }

    @Override
    public void decode(byte[] decode) {
        try {
            decode(new ByteArrayInputStream(decode));
        } catch (IOException e) {
            throw new UncheckedIOException("corrupt " + TYPE_ID + " record", e);
        }
    }

    @Override
    public void decode(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        decode(bytes);
    }

    @Override
    public void decode(InputStream inputStream) throws IOException {
        DataInputStream in = new DataInputStream(inputStream);
        int version = in.readInt();
        if (version != FORMAT_VERSION) {
            throw new IOException("unsupported " + TYPE_ID + " record format " + version + " (this version reads "
                    + FORMAT_VERSION + "); open the stats file with the DL4J-SSL version that wrote it");
        }
        sessionId = in.readUTF();
        workerId = in.readUTF();
        timestamp = in.readLong();
        kind = Kind.valueOf(in.readUTF());
        iteration = in.readInt();
        epoch = in.readInt();
        subject = in.readUTF();
        int n = in.readInt();
        Map<String, Double> v = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            v.put(in.readUTF(), in.readDouble());
        }
        values = Collections.unmodifiableMap(v);
        vector = new double[in.readInt()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = in.readDouble();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MonitorRecord r && timestamp == r.timestamp && iteration == r.iteration && epoch == r.epoch
                && sessionId.equals(r.sessionId) && workerId.equals(r.workerId) && kind == r.kind
                && subject.equals(r.subject) && values.equals(r.values) && Arrays.equals(vector, r.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, workerId, timestamp, kind, iteration, epoch, subject, values) * 31
                + Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
        return "MonitorRecord[" + kind + " " + subject + " it=" + iteration + " ep=" + epoch + " " + values
                + (vector.length > 0 ? " vector[" + vector.length + "]" : "") + "]";
    }
}
