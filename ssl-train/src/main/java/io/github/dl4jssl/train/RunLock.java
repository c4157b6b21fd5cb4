package io.github.dl4jssl.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock of a run directory: one {@code train} process at a time writes into it. An operating-system file lock
 * ({@link FileChannel#tryLock()}) on {@value #FILE}, so the lock of a process that is killed (even with SIGKILL)
 * goes away with it and never sticks. The file holds the owner's process id, for the error message; it stays in the
 * directory after release (deleting a lock file lets two processes lock two different files of one name).
 */
public final class RunLock implements AutoCloseable {
    /** The lock file in the run directory. */
    static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code runDir} (which must exist) for this process.
     *
     * @throws IllegalStateException naming the directory and the process that uses it, when another process (or
     *                               another run in this one) holds the lock
     */
    public static RunLock acquire(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String owner = owner(channel);
            channel.close();
            throw new IllegalStateException("the run directory " + runDir + " is in use by another train process"
                    + (owner.isEmpty() ? "" : " (pid " + owner + ")") + "; wait for it to end, or choose another --out");
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new RunLock(channel, lock);
    }

    private static String owner(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(32);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
