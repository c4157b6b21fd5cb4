package io.github.dl4jssl.zoo.data;

import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * Runs the augmentation of upcoming batches on worker threads ahead of training: a bounded queue of at most
 * {@code prefetch} batches, computed by {@code workers} threads and taken in order. A batch is identified by the
 * position of its first image in the epoch; the task that computes it must be a pure function of that position
 * (as {@link TwoViewIterator}'s is), so the result does not depend on which thread ran it or when. With 0
 * workers every batch is computed on the calling thread when it is taken.
 */
final class AugmentationWorkers {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** Idle worker threads end after this long; the next batch starts them again. */
    private static final long IDLE_SECONDS = 10;

    private final int workers;
    private final int prefetch;
    private final ArrayDeque<Pending> ahead = new ArrayDeque<>();
    private ExecutorService pool;

    private record Pending(int start, Future<float[]> result) {
    }

    AugmentationWorkers(int workers, int prefetch) {
        this.workers = workers;
        this.prefetch = prefetch;
    }

    /**
     * The batch starting at {@code start}; then keeps the batches at {@code start + k * step} (while they fit in
     * {@code end}) queued, up to {@code prefetch} of them.
     */
    float[] take(int start, int step, int end, IntFunction<float[]> task) {
        if (workers == 0) {
            return task.apply(start);
        }
        if (!ahead.isEmpty() && ahead.peekFirst().start() != start) {
            cancel(); // the consumer jumped (a batch of another size was taken): the queue no longer applies
        }
        fill(start, step, end, task);
        Pending head = ahead.pollFirst();
        fill(start + step, step, end, task);
        try {
            return head.result().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for augmented batch at " + start, e);
        } catch (ExecutionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("augmentation of the batch at " + start + " failed: " + cause, cause);
        }
    }

    private void fill(int from, int step, int end, IntFunction<float[]> task) {
        int next = ahead.isEmpty() ? from : ahead.peekLast().start() + step;
        while (ahead.size() < prefetch && next + step <= end) {
            int s = next;
            ahead.addLast(new Pending(s, pool().submit(() -> task.apply(s))));
            next += step;
        }
    }

    /** Drops the queued batches (e.g. at a new epoch). */
    void cancel() {
        for (Pending p : ahead) {
            p.result().cancel(false);
        }
        ahead.clear();
    }

    void shutdown() {
        cancel();
        if (pool != null) {
            pool.shutdownNow();
            pool = null;
        }
    }

    private ExecutorService pool() {
        if (pool == null) {
            int id = POOLS.incrementAndGet();
            AtomicInteger n = new AtomicInteger();
            ThreadPoolExecutor p = new ThreadPoolExecutor(workers, workers, IDLE_SECONDS, TimeUnit.SECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "augment-" + id + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            p.allowCoreThreadTimeOut(true); // an iterator dropped without shutdown() leaves no idle threads behind
            pool = p;
        }
        return pool;
    }
}
