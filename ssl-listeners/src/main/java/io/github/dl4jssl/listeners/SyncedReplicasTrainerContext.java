package io.github.dl4jssl.listeners;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.deeplearning4j.parallelism.factory.DefaultTrainerContext;
import org.deeplearning4j.parallelism.factory.TrainerContext;
import org.deeplearning4j.parallelism.trainer.DefaultTrainer;
import org.deeplearning4j.parallelism.trainer.Trainer;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A ParallelWrapper {@link TrainerContext} whose workers all start from the same parameters: DL4J's own
 * trainers, except that no worker fits its first batch before every replica has copied the model.
 *
 * <p>Why: in DL4J 1.0.0-M2.1 every {@code ParallelWrapper.fit} creates its workers anew. Worker 0 trains the
 * root model itself, and each other worker copies the root's parameters and updater state on its own thread
 * ({@code DefaultTrainer.run}), with nothing ordering that copy before worker 0's first step. When worker 0
 * gets there first, the other replica starts from parameters that worker 0 has already updated, and what
 * averaging produces is no longer the average of replicas trained from one point. For plain SGD this is a
 * small error at the start of every {@code fit}; for an EMA target it breaks "the target is the EMA of the
 * averaged online weights" (seen in about 1 run in 6 of {@code ParallelWrapperMocoTest} on a 2-core machine,
 * a 4e-4 relative error in the key encoder). Here each worker waits, after its copy and before its first
 * batch, until all of the round's workers have made theirs.</p>
 *
 * <p>Use: {@code ParallelWrapper pw = SyncedReplicasTrainerContext.installIn(new ParallelWrapper.Builder<>(graph)
 * .workers(n).build());}. DL4J 1.0.0-M2.1's {@code ParallelWrapper.Builder.build()} replaces any context given
 * to {@code trainerFactory} by its own, so {@link #installIn} sets it on the built wrapper (through reflection on
 * ParallelWrapper's {@code trainerContext} field, pinned by a test). A worker that fails while copying breaks the wait of the others, which then fail too, instead of waiting for
 * ever; a wait longer than the timeout (default 10 minutes) fails with a message.</p>
 */
public class SyncedReplicasTrainerContext implements TrainerContext {

    private final DefaultTrainerContext defaults = new DefaultTrainerContext();
    private final Duration timeout;
    private CyclicBarrier barrier;

    /** Workers wait at most 10 minutes for each other. */
    public SyncedReplicasTrainerContext() {
        this(Duration.ofMinutes(10));
    }

    public SyncedReplicasTrainerContext(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("SyncedReplicasTrainerContext: the timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    /**
     * Puts a new SyncedReplicasTrainerContext into a ParallelWrapper built for parameter averaging (the Builder's
     * default training mode), before its first fit. Returns the same wrapper.
     */
    public static ParallelWrapper installIn(ParallelWrapper wrapper) {
        return installIn(wrapper, new SyncedReplicasTrainerContext());
    }

    /** As {@link #installIn(ParallelWrapper)}, with the given context. */
    public static ParallelWrapper installIn(ParallelWrapper wrapper, SyncedReplicasTrainerContext context) {
        if (!(wrapper.getTrainerContext() instanceof DefaultTrainerContext)) {
            throw new IllegalArgumentException("SyncedReplicasTrainerContext replaces the DefaultTrainerContext of"
                    + " parameter averaging (TrainingMode.AVERAGING, the Builder's default); this wrapper uses "
                    + wrapper.getTrainerContext().getClass().getSimpleName() + ". Build it with"
                    + " trainingMode(ParallelWrapper.TrainingMode.AVERAGING)");
        }
        if (wrapper.getZoo() != null) {
            throw new IllegalStateException("SyncedReplicasTrainerContext: install it before the wrapper's first"
                    + " fit; this wrapper's workers exist already");
        }
        try {
            Field field = ParallelWrapper.class.getDeclaredField("trainerContext");
            field.setAccessible(true);
            field.set(wrapper, context);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("SyncedReplicasTrainerContext: cannot set ParallelWrapper's trainerContext"
                    + " field in this DL4J version (written for 1.0.0-M2.1): " + e, e);
        }
        return wrapper;
    }

    @Override
    public void init(Model model, Object... args) {
        defaults.init(model, args);
    }

    /**
     * ParallelWrapper calls this for threadId 0, 1, ..., workers - 1 in turn each time it creates its workers
     * (once per fit), so worker 0 starts a new barrier for the round's workers.
     */
    @Override
    public synchronized Trainer create(String uuid, int threadId, Model model, int rootDevice, boolean useMDS,
                                       ParallelWrapper wrapper, WorkspaceMode mode, int averagingFrequency) {
        if (threadId == 0 || barrier == null) {
            barrier = new CyclicBarrier(wrapper.getWorkers());
        }
        // the fields DL4J's DefaultTrainerContext gives its DefaultTrainer
        SyncedTrainer trainer = new SyncedTrainer(barrier, timeout, model, threadId, wrapper, mode, useMDS,
                uuid + "_thread_" + threadId, averagingFrequency);
        trainer.setName("SyncedReplicasTrainer thread " + threadId);
        trainer.setDaemon(true);
        return trainer;
    }

    @Override
    public void finalizeRound(Model originalModel, Model... models) {
        defaults.finalizeRound(originalModel, models);
    }

    @Override
    public void finalizeTraining(Model originalModel, Model... models) {
        defaults.finalizeTraining(originalModel, models);
    }

    /** DL4J's DefaultTrainer, waiting at the round's barrier between its copy of the model and its first batch. */
    static final class SyncedTrainer extends DefaultTrainer {
        private final CyclicBarrier barrier;
        private final Duration timeout;

        SyncedTrainer(CyclicBarrier barrier, Duration timeout, Model model, int threadId, ParallelWrapper wrapper,
                      WorkspaceMode mode, boolean useMDS, String uuid, int averagingFrequency) {
            this.barrier = barrier;
            this.timeout = timeout;
            this.originalModel = model;
            this.replicatedModel = model;
            this.threadId = threadId;
            this.parallelWrapper = wrapper;
            this.workspaceMode = mode;
            this.useMDS = useMDS;
            this.uuid = uuid;
            this.averagingFrequency = averagingFrequency;
        }

        /** DefaultTrainer.run calls this after the replica copied the root model and before its first batch. */
        @Override
        protected void postInit() {
            super.postInit();
            try {
                barrier.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("SyncedReplicasTrainerContext: worker " + threadId
                        + " was interrupted while waiting for the other workers' copies of the model", e);
            } catch (TimeoutException e) {
                throw new IllegalStateException("SyncedReplicasTrainerContext: worker " + threadId + " waited "
                        + timeout + " for the other workers to copy the model; raise the timeout for a model this"
                        + " large, or look for a worker that failed", e);
            } catch (BrokenBarrierException e) {
                throw new IllegalStateException("SyncedReplicasTrainerContext: another worker failed before its"
                        + " first batch, see its exception", e);
            }
        }

        @Override
        public void run() {
            try {
                super.run();
            } catch (RuntimeException | Error e) {
                barrier.reset(); // the others fail with BrokenBarrierException instead of waiting for this worker
                throw e;
            }
        }
    }
}
