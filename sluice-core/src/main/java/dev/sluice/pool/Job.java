package dev.sluice.pool;

import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * A unit of work for a {@link WorkerPool} that returns nothing. It may throw any exception, checked or
 * not, so {@code () -> latch.await()} is a job; what it throws is counted as a failure and reported
 * through the job's handle. A job that returns a value is a {@link Callable}.
 *
 * <p>A running job reads its {@link dev.sluice.Context} with {@link WorkerPool#currentContext()}.
 *
 * <p>Overloads: as with {@code ExecutorService.submit}, a lambda that can complete normally only by
 * returning a value, or that only throws (such as {@code () -> { throw e; }}), is a {@code Callable};
 * cast it to {@code Job} to choose the {@code Job} form of an overloaded submit.
 */
@FunctionalInterface
public interface Job {

    /** Does the work. */
    void run() throws Exception;

    /**
     * How {@link WorkerPool#abort()} hands back a job that was submitted as a {@link Callable}: running
     * it calls the callable and drops the result; {@link #callable()} gives the original back.
     */
    record FromCallable(Callable<?> callable) implements Job {
        public FromCallable {
            Objects.requireNonNull(callable, "callable");
        }

        @Override
        public void run() throws Exception {
            callable.call();
        }
    }
}
