package dev.sluice.pool;

import dev.sluice.ClosedException;
import dev.sluice.BusyException;
import dev.sluice.Context;
import dev.sluice.pool.internal.WorkerPoolImpl;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A fixed number of worker threads taking jobs from a bounded queue, with explicit overload and shutdown
 * behaviour. The queue is a sluice {@link dev.sluice.channel.Channel}; there is no unbounded pool.
 *
 * <pre>{@code
 * WorkerPool pool = WorkerPool.builder().name("resize").workers(8).queueCapacity(8).build();
 * CompletableFuture<Image> f = pool.submit(ctx, () -> resize(img));  // waits for room until ctx is done
 * if (!pool.trySubmit(() -> audit(event))) dropped.increment();     // never waits
 * DrainReport r = pool.drain(Duration.ofSeconds(10));               // at shutdown
 * }</pre>
 *
 * <p><b>Submitting.</b> The ways in, for a {@link Job} (returns nothing; its handle is a
 * {@code CompletableFuture<Void>}) and for a {@link Callable} (its handle completes with the result):
 *
 * <table class="striped">
 * <caption>The forms of submit, and what each does in each situation</caption>
 * <thead><tr><th></th><th>{@link #submit(Job)}, {@link #submit(Callable)}</th>
 * <th>{@link #trySubmit(Job)}, {@link #trySubmit(Callable)}</th>
 * <th>{@link #submit(Context, Job)}, {@link #submit(Context, Callable)}</th></tr></thead>
 * <tbody>
 * <tr><th>room in the queue</th><td>accepts, returns the handle</td><td>accepts: {@code true} / the handle</td>
 * <td>accepts, returns the handle</td></tr>
 * <tr><th>queue full</th><td>blocks until room</td><td>{@code false} / empty</td>
 * <td>blocks until room or the context is done</td></tr>
 * <tr><th>shedding load</th><td>{@link BusyException}</td><td>{@code false} / empty</td><td>{@link BusyException}</td></tr>
 * <tr><th>shut down (before or while waiting)</th><td>{@link ClosedException}</td><td>{@link ClosedException}</td>
 * <td>{@link ClosedException}</td></tr>
 * <tr><th>interrupted while waiting</th><td>{@link InterruptedException}</td><td>(never waits)</td>
 * <td>{@link InterruptedException}</td></tr>
 * <tr><th>context done (before or while waiting)</th><td>-</td><td>-</td>
 * <td>{@link dev.sluice.DeadlineExceededException} / {@link dev.sluice.CancelledException}</td></tr>
 * </tbody>
 * </table>
 *
 * <p>A submit that throws did not accept the job: it will not run. A submit that returns normally
 * accepted it: it will run, or be handed back by {@link #abort()}, or be skipped because its handle was
 * cancelled before it started; in every case its handle completes. A submit that can accept without
 * waiting does so even if the thread's interrupt flag is set. Checks are made in this order: shut down,
 * context already done, shedding, room.
 *
 * <p><b>Ordering and fairness.</b> Jobs start in the order they were accepted (they may finish in any
 * order). Submitters waiting for room are served first come, first served.
 *
 * <p><b>Running.</b> Each job runs on one of the pool's worker threads, platform or virtual as
 * configured. A job that throws does not end its worker: the failure is counted, completes the job's
 * handle exceptionally, and is passed to the {@linkplain WorkerPoolBuilder#onFailure failure handler}.
 * A running job reads its context with {@link #currentContext()}: for a job submitted with a context it
 * is a child of that context (so it carries the submitter's deadline and cancellation); otherwise it is
 * the pool's own context. Both are cancelled by {@link #abort()}. Cancelling a handle before its job
 * starts keeps the job from running; cancelling it later does not stop the job (use a context).
 *
 * <p><b>Idle workers.</b> A worker with nothing to do parks; at most one idle platform worker at a time
 * first polls the queue for a few microseconds (only on a machine with more than one core), so a stream
 * of small jobs is picked up without waking a parked thread for each. A job that enters the queue while
 * no worker is between jobs (polling, or about to take from the queue) wakes the most recently idled
 * worker; a worker between jobs takes it, or wakes one itself if it leaves jobs behind, so a job never
 * waits for a busy worker while another is idle.
 *
 * <p><b>Batches.</b> With a queue of at least twice as many slots as workers, a worker takes several
 * queued jobs at once (up to {@code min(32, queueCapacity / (2 * workers))}) and starts them one after
 * another, so a stream of small jobs costs one acquisition of the queue's lock per batch instead of one
 * per job. When the workers outpace the submitters, a platform worker (on a machine of more than one
 * core) whose last batch ran for less than 4 microseconds and that finds fewer jobs than a batch waits for
 * more while they keep arriving, for at most 4 microseconds, so that tiny jobs are still taken in whole
 * batches; a job may start up to that much later. Jobs a worker has taken and not started are still
 * queued in every respect: they count against {@code queueCapacity} (queued plus taken-not-started never exceeds it), in
 * {@link PoolStats#queueDepth()} and {@link DrainReport#notStarted()}; {@link #abort()} hands them back
 * and {@link #drain} runs them. An idle worker takes over the later half of the unstarted jobs of a busy
 * one before it parks, and a worker that takes a batch wakes an idle one (unless another worker is
 * between jobs and will take over first), so a long job does not hold the jobs behind it hostage.
 *
 * <p><b>Overload.</b> A full queue makes {@code submit} wait and {@code trySubmit} fail. With
 * {@link WorkerPoolBuilder#shedAbove(int) shedAbove(high)} and
 * {@link WorkerPoolBuilder#resumeBelow(int) resumeBelow(low)}, the pool starts refusing every submit
 * with {@link BusyException} once {@code high} jobs wait, and starts accepting again only when fewer than
 * {@code low} wait; in between it keeps its current state, so it does not flap.
 *
 * <p><b>Shutdown</b> is always explicit. {@link #drain(Duration)} stops intake and lets every accepted
 * job run; {@link #abort()} stops intake, cancels the running jobs' contexts and hands back the jobs that
 * never started. After either, every submit throws {@link ClosedException}, whichever thread calls it
 * and however it races the shutdown: a job is either accepted (and then run or handed back) or refused
 * with an exception, never lost. The worker threads end once the queue is empty and the running jobs
 * return. Platform workers are not daemon threads: a pool that is never shut down keeps the JVM alive,
 * as with {@code ThreadPoolExecutor}.
 *
 * <p>Memory consistency effects: actions in a thread before it submits a job happen-before the job
 * runs; actions of a job happen-before the completion of its handle is observed (by {@code join},
 * {@code get} or a dependent stage), and before {@link #drain} or {@link #awaitTermination} report the
 * pool terminated.
 */
public interface WorkerPool {

    /** A builder; workers and queue capacity must be set. */
    static WorkerPoolBuilder builder() {
        return new WorkerPoolBuilder();
    }

    /**
     * The context of the job running on this thread: cancelled by {@link #abort()}, and for a job
     * submitted with a context, also done when that context is. Outside a job it returns
     * {@link Context#background()}. Do not cast it to cancel it: it may be shared by several jobs.
     */
    static Context currentContext() {
        return WorkerPoolImpl.currentContext();
    }

    /**
     * The largest queue capacity with which a job still finishes within {@code latencyObjective}; see
     * {@link QueueSizing} for the reasoning. {@code maxQueueFor(r, 100 ms, 8, 200 ms)} is 8.
     *
     * @throws IllegalArgumentException as {@link QueueSizing#of}
     */
    static int maxQueueFor(double arrivalRatePerSecond, Duration serviceTime, int workers, Duration latencyObjective) {
        return QueueSizing.of(arrivalRatePerSecond, serviceTime, workers, latencyObjective).maxQueue();
    }

    /**
     * Submits a job, waiting for room in the queue if it is full.
     *
     * @return the job's handle: completes with {@code null} when the job returns, exceptionally with what
     *         it threw, or with a {@link dev.sluice.CancelledException} if {@link #abort()} hands it back
     * @throws BusyException        if the pool is shedding load
     * @throws ClosedException      if the pool is shut down, or shuts down while this call waits
     * @throws InterruptedException if interrupted while waiting; the job was not accepted
     */
    CompletableFuture<Void> submit(Job job) throws InterruptedException;

    /** As {@link #submit(Job)}, for a job with a result; the handle completes with it. */
    <T> CompletableFuture<T> submit(Callable<T> job) throws InterruptedException;

    /**
     * Submits a job only if that needs no waiting.
     *
     * @return true if accepted; false if the queue is full or the pool is shedding load. A job accepted
     *         this way has no handle: its failure is counted and passed to the failure handler.
     * @throws ClosedException if the pool is shut down
     */
    boolean trySubmit(Job job);

    /** As {@link #trySubmit(Job)}, for a job with a result: the handle, or empty if refused. */
    <T> Optional<CompletableFuture<T>> trySubmit(Callable<T> job);

    /**
     * Submits a job, waiting for room until {@code context} is done. A context that is already done fails
     * the call even if there is room. The job then runs with a child of {@code context} as its context.
     *
     * @throws dev.sluice.DeadlineExceededException if the context's deadline passes first
     * @throws dev.sluice.CancelledException        if the context is cancelled first
     * @throws BusyException                        if the pool is shedding load
     * @throws ClosedException                      if the pool is shut down, or shuts down while waiting
     * @throws InterruptedException                 if interrupted while waiting
     */
    CompletableFuture<Void> submit(Context context, Job job) throws InterruptedException;

    /** As {@link #submit(Context, Job)}, for a job with a result. */
    <T> CompletableFuture<T> submit(Context context, Callable<T> job) throws InterruptedException;

    /**
     * Stops intake and lets every accepted job run, waiting at most {@code grace} for the queue to empty,
     * the running jobs to return and the workers to end. Jobs still queued when the grace ends keep
     * running afterwards; call {@link #abort()} to stop them. May be called more than once, and after
     * {@link #abort()}.
     *
     * @throws IllegalStateException if called from one of this pool's jobs (it would wait for itself)
     * @throws InterruptedException  if interrupted while waiting; intake is closed anyway
     */
    DrainReport drain(Duration grace) throws InterruptedException;

    /**
     * Stops intake, cancels the contexts of the running jobs and interrupts their threads, and returns the
     * accepted jobs that never started (roughly in the order they were accepted: a job a worker had just taken comes first), completing their handles with a
     * {@link dev.sluice.CancelledException}. A {@link Callable} comes back as a {@link Job.FromCallable}.
     * Does not wait for running jobs to return (use {@link #awaitTermination}). Each job that never
     * started is returned by exactly one call to {@code abort}; a later call returns an empty list.
     */
    List<Job> abort();

    /** True once {@link #drain} or {@link #abort} was called. */
    boolean isShutdown();

    /** True once the pool is shut down and every worker has ended. */
    boolean isTerminated();

    /** Waits at most {@code timeout} for the pool to terminate; true if it did. */
    boolean awaitTermination(Duration timeout) throws InterruptedException;

    /** Whether the pool is shedding load now. */
    boolean isShedding();

    /** A snapshot of the counters. */
    PoolStats stats();

    /** The name given at build time, used in thread names and messages. */
    String name();

    /** The number of worker threads. */
    int workers();

    /** The queue's capacity. */
    int queueCapacity();
}
