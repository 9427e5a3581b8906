package dev.sluice.pool;

/**
 * A unit of work for a {@link WorkerPool} that returns nothing. It may throw any exception, checked or
 * not, so {@code () -> latch.await()} is a job; what it throws is counted as a failure and reported
 * through the job's handle. A job that returns a value is a {@link java.util.concurrent.Callable}.
 *
 * <p>A running job reads its {@link dev.sluice.Context} with {@link WorkerPool#currentContext()}.
 */
@FunctionalInterface
public interface Job {

    /** Does the work. */
    void run() throws Exception;
}
