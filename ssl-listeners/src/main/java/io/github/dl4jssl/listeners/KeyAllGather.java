package io.github.dl4jssl.listeners;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The all-gather of MoCo's distributed training (He et al. 2020, "Momentum Contrast for Unsupervised Visual
 * Representation Learning", Algorithm 1 and the reference code's {@code concat_all_gather}) for workers that
 * are threads of one JVM, as DL4J's ParallelWrapper runs them: each of {@code parties} workers hands in the
 * keys of its iteration and gets back the keys of all workers of that round, in one order that is the same for
 * every worker. So every replica enqueues the same keys and the replicas' queues stay identical, which parameter
 * averaging then leaves unchanged.
 *
 * <p>A round completes when all parties have handed in their keys. A worker that waits longer than the
 * timeout fails with a message: ParallelWrapper gives a round fewer batches than workers at the end of an
 * epoch whose number of batches is not a multiple of the number of workers, and then the missing parties never
 * come.</p>
 */
final class KeyAllGather {

    private final int parties;
    private final Duration timeout;
    private final List<INDArray> arrived = new ArrayList<>();
    private List<INDArray> lastRound = List.of();
    private long round;

    KeyAllGather(int parties, Duration timeout) {
        if (parties < 2) {
            throw new IllegalArgumentException("KeyAllGather needs at least 2 parties, got " + parties);
        }
        this.parties = parties;
        this.timeout = timeout;
    }

    int parties() {
        return parties;
    }

    /**
     * Hands in this worker's keys and waits for the other workers of the round.
     *
     * @param keys this worker's keys (not copied: the caller must not change them afterwards)
     * @return the keys of all {@code parties} workers of this round, in arrival order, the same list for all
     * @throws IllegalStateException if the round does not complete within the timeout
     */
    synchronized List<INDArray> exchange(INDArray keys) {
        long myRound = round;
        arrived.add(keys);
        if (arrived.size() == parties) {
            lastRound = List.copyOf(arrived);
            arrived.clear();
            round++;
            notifyAll();
            return lastRound;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (round == myRound) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                int present = arrived.size();
                arrived.removeIf(a -> a == keys);
                throw new IllegalStateException("KeyQueueListener: only " + present + " of the " + parties
                        + " workers handed in their keys within " + timeout.toSeconds() + " s. ParallelWrapper gives the last"
                        + " round of an epoch fewer batches than workers when the number of batches is not a multiple of"
                        + " the number of workers: use an iterator whose batch count per epoch is a multiple of " + parties
                        + ", and build the listener with workers(n) for exactly the ParallelWrapper's n workers");
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                arrived.removeIf(a -> a == keys);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("KeyQueueListener: interrupted while waiting for the other workers' keys", e);
            }
        }
        // the next round cannot complete before this worker hands in its keys again, so lastRound is this round's
        return lastRound;
    }
}
