package dev.sluice.pool;

import dev.sluice.BusyException;
import dev.sluice.channel.Channel;
import dev.sluice.pool.internal.WorkerPoolImpl;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Configures a {@link WorkerPool}. Not thread-safe. {@link #workers(int)} and {@link #queueCapacity(int)}
 * must be set; the rest have defaults: a generated name, platform threads, no load shedding, no failure
 * handler. {@link #build()} starts the worker threads.
 */
public final class WorkerPoolBuilder {

    /** The most worker threads a pool may have: enough for any real pool, small enough to catch a typo. */
    public static final int MAX_WORKERS = 10_000;

    private static final AtomicLong NAMES = new AtomicLong();

    private String name;
    private int workers = -1;
    private int queueCapacity = -1;
    private boolean virtualThreads;
    private int shedAbove = -1;
    private int resumeBelow = -1;
    private Consumer<? super Throwable> onFailure;

    WorkerPoolBuilder() { }

    /** A name for threads and messages. */
    public WorkerPoolBuilder name(String name) {
        this.name = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * The number of worker threads, from 1 to {@value #MAX_WORKERS}.
     *
     * @throws IllegalArgumentException if out of range
     */
    public WorkerPoolBuilder workers(int workers) {
        if (workers < 1 || workers > MAX_WORKERS) {
            throw new IllegalArgumentException("workers must be between 1 and " + MAX_WORKERS + ", got " + workers);
        }
        this.workers = workers;
        return this;
    }

    /**
     * How many accepted jobs may wait for a worker, from 0 (a job is accepted only when a worker is free
     * to take it) to {@value Channel#MAX_CAPACITY}. Size it from the latency you can afford:
     * {@link WorkerPool#maxQueueFor}.
     *
     * @throws IllegalArgumentException if out of range
     */
    public WorkerPoolBuilder queueCapacity(int capacity) {
        if (capacity < 0 || capacity > Channel.MAX_CAPACITY) {
            throw new IllegalArgumentException("queue capacity must be between 0 and " + Channel.MAX_CAPACITY
                    + " (there is no unbounded pool), got " + capacity);
        }
        this.queueCapacity = capacity;
        return this;
    }

    /** Whether the workers are virtual threads (default false: platform threads). */
    public WorkerPoolBuilder virtualThreads(boolean virtual) {
        this.virtualThreads = virtual;
        return this;
    }

    /**
     * Starts shedding load once {@code high} jobs wait in the queue: every submit form then refuses with
     * {@link BusyException} (or false) until fewer than {@link #resumeBelow(int) low} wait. Needs
     * {@code resumeBelow}; {@code 1 <= low < high <= queueCapacity} is checked by {@link #build()}.
     */
    public WorkerPoolBuilder shedAbove(int high) {
        this.shedAbove = high;
        return this;
    }

    /** While shedding, resumes accepting once fewer than {@code low} jobs wait; see {@link #shedAbove(int)}. */
    public WorkerPoolBuilder resumeBelow(int low) {
        this.resumeBelow = low;
        return this;
    }

    /**
     * Called on the worker thread with what each failing job threw, after its handle is completed. If it
     * throws, that is ignored (the worker carries on). Without a handler, the failure of a job that has no
     * handle ({@link WorkerPool#trySubmit(Job)}) goes to the worker thread's uncaught exception handler,
     * so that it is never silent; failures of jobs with handles reach only their handles.
     */
    public WorkerPoolBuilder onFailure(Consumer<? super Throwable> handler) {
        this.onFailure = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Creates the pool and starts its workers.
     *
     * @throws IllegalStateException if workers or queue capacity is not set, or the watermarks are
     *                               inconsistent
     */
    public WorkerPool build() {
        if (workers < 0) {
            throw new IllegalStateException("workers was not set: choose how many jobs may run at once");
        }
        if (queueCapacity < 0) {
            throw new IllegalStateException("queue capacity was not set: every sluice pool is bounded; size it with "
                    + "WorkerPool.maxQueueFor");
        }
        if ((shedAbove < 0) != (resumeBelow < 0)) {
            throw new IllegalStateException("shedAbove and resumeBelow go together: set both or neither");
        }
        if (shedAbove >= 0) {
            if (!(1 <= resumeBelow && resumeBelow < shedAbove && shedAbove <= queueCapacity)) {
                throw new IllegalStateException("watermarks must satisfy 1 <= resumeBelow < shedAbove <= queueCapacity, got "
                        + "resumeBelow=" + resumeBelow + ", shedAbove=" + shedAbove + ", queueCapacity=" + queueCapacity);
            }
        }
        String n = name != null ? name : "pool-" + NAMES.incrementAndGet();
        return new WorkerPoolImpl(n, workers, queueCapacity, virtualThreads, shedAbove, resumeBelow, onFailure);
    }
}
