package dev.sluice.pool.internal;

import dev.sluice.Context;
import dev.sluice.pool.Job;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * An accepted job and its handle in one object (one allocation per submit). The handle the caller holds
 * is this future; the pool completes it when the job returns, throws, is skipped or is handed back.
 */
final class Task<T> extends CompletableFuture<T> {

    /** A {@link Job} or a {@link Callable}. */
    private final Object body;
    /** The submitter's context, or null for the pool's own. */
    final Context context;
    /** False for {@code trySubmit(Job)}, whose caller holds no handle. */
    final boolean hasHandle;

    Task(Object body, Context context, boolean hasHandle) {
        this.body = body;
        this.context = context;
        this.hasHandle = hasHandle;
    }

    @SuppressWarnings("unchecked")
    T call() throws Exception {
        if (body instanceof Job job) {
            job.run();
            return null;
        }
        return ((Callable<T>) body).call();
    }

    /** The job as the caller gave it; a Callable comes back wrapped in a Job that calls it. */
    Job asJob() {
        if (body instanceof Job job) {
            return job;
        }
        return new Job.FromCallable((Callable<?>) body);
    }
}
