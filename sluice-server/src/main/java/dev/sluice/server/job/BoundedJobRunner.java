package dev.sluice.server.job;

import dev.sluice.ClosedException;
import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.LimitExceededException;
import dev.sluice.limit.LimiterClosedException;
import dev.sluice.limit.Permit;
import dev.sluice.pool.DrainReport;
import dev.sluice.pool.PoolStats;
import dev.sluice.pool.WorkerPool;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The server's job runner: a sluice {@link WorkerPool} of platform workers with a bounded queue, behind
 * a {@link ConcurrencyLimiter} whose slots are the pool's capacity (workers plus queue).
 *
 * <p><b>Admission.</b> A job first takes a slot, waiting at most the wait budget for one (FIFO, with at
 * most {@code maxWaiters} waiting); then it goes to the pool with {@link WorkerPool#trySubmit}. A slot is
 * held until the job finishes, so a job holding one nearly always finds room; in the instant between a
 * job releasing its slot and its worker taking the next job, the pool may still look full, and the
 * submit then waits (without a budget: the wait is that instant) in {@link WorkerPool#submit}. The job
 * is never given the wait budget's context: the pool would skip a queued job whose context had ended,
 * which would drop an accepted job. The wait budget runs from the request's arrival, so time spent
 * waiting in an admission filter in front is taken from it.
 *
 * <p><b>Refusals</b> are 503s: no slot within the budget, too many waiting, or draining. Their
 * {@code Retry-After} is the pool's drain estimate: the jobs ahead (queued plus running) times the mean
 * service time, divided by the workers, rounded up to whole seconds, at least 1.
 *
 * <p><b>Drain</b> closes the limiter (waiters get 503) and then the pool, and waits for every accepted
 * job. Memory consistency: as {@link WorkerPool}.
 */
public final class BoundedJobRunner implements JobRunner {

    private final WorkerPool pool;
    private final ConcurrencyLimiter slots;
    private final Duration wait;
    private final int capacity;
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicLong meanServiceNanos = new AtomicLong(0);
    private volatile Consumer<JobRecord> listener = j -> { };

    public BoundedJobRunner(int workers, int queue, Duration wait, int maxWaiters) {
        this.wait = Objects.requireNonNull(wait, "wait");
        this.capacity = workers + queue;
        this.pool = WorkerPool.builder().name("sluice-jobs").workers(workers).queueCapacity(queue).build();
        this.slots = ConcurrencyLimiter.builder().name("sluice-job-slots").maxWaiters(maxWaiters).limit(capacity).build();
    }

    @Override
    public void onFinish(Consumer<JobRecord> l) {
        this.listener = Objects.requireNonNull(l, "listener");
    }

    @Override
    public void submit(JobRecord job, long arrivalNanos) throws JobRejectedException, InterruptedException {
        Permit permit = acquire(arrivalNanos);
        boolean accepted = false;
        try {
            dev.sluice.pool.Job body = () -> run(job, permit);
            if (!pool.trySubmit(body)) {
                pool.submit(body); // the slot guarantees room within an instant; see the class comment
            }
            accepted = true;
        } catch (ClosedException e) {
            throw new JobRejectedException(503, 1, "the server is draining: it accepts no new jobs");
        } catch (dev.sluice.BusyException e) {
            throw new JobRejectedException(503, retryAfterSeconds(), "the job queue is shedding load");
        } finally {
            if (!accepted) {
                permit.releaseIgnored();
            }
        }
    }

    private Permit acquire(long arrivalNanos) throws JobRejectedException, InterruptedException {
        try {
            Permit p = slots.tryAcquire();
            if (p != null) {
                return p;
            }
            long left = wait.toNanos() - (System.nanoTime() - arrivalNanos);
            if (left <= 0) {
                throw full();
            }
            return slots.acquire(Context.background().withTimeout(Duration.ofNanos(left)));
        } catch (ContextDoneException e) {
            throw full();
        } catch (LimiterClosedException e) {
            throw new JobRejectedException(503, 1, "the server is draining: it accepts no new jobs");
        } catch (LimitExceededException e) {
            throw new JobRejectedException(503, retryAfterSeconds(), "too many requests are already waiting for room: "
                    + e.getMessage());
        }
    }

    private JobRejectedException full() {
        PoolStats s = pool.stats();
        return new JobRejectedException(503, retryAfterSeconds(), "the job queue is full (" + s.running() + " running, "
                + s.queueDepth() + " of " + pool.queueCapacity() + " queued) and no room opened within "
                + wait.toMillis() + " ms");
    }

    private void run(JobRecord job, Permit permit) {
        job.markRunning();
        try {
            JobResult r = job.work().run(WorkerPool.currentContext());
            job.markDone(r);
            completed.increment();
        } catch (Throwable t) {
            job.markFailed(t);
            failed.increment();
        } finally {
            long service = (long) (job.runMillis() * 1e6);
            meanServiceNanos.updateAndGet(m -> m == 0 ? service : m + (service - m) / 8);
            permit.close();
            listener.accept(job);
        }
    }

    /** The drain estimate: jobs ahead times mean service time, over the workers; whole seconds, at least 1. */
    public long retryAfterSeconds() {
        PoolStats s = pool.stats();
        double nanos = (double) (s.queueDepth() + s.running()) * meanServiceNanos.get() / pool.workers();
        return Math.max(1L, (long) Math.ceil(nanos / 1e9));
    }

    @Override
    public RunnerStats stats() {
        PoolStats s = pool.stats();
        return new RunnerStats(pool.workers(), pool.queueCapacity(), s.queueDepth(), s.running(), s.accepted(),
                completed.sum(), failed.sum(), slots.limit());
    }

    @Override
    public DrainSummary drain(Duration grace) throws InterruptedException {
        long start = System.nanoTime();
        slots.close();
        DrainReport r = pool.drain(grace);
        RunnerStats s = stats();
        return new DrainSummary(s.accepted(), s.completed(), s.failed(), s.accepted() - s.completed() - s.failed(),
                r.terminated(), (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public void abort() throws InterruptedException {
        slots.close();
        pool.abort();
        pool.awaitTermination(Duration.ofSeconds(5));
    }

    /** The pool, for metrics binders. */
    public WorkerPool pool() {
        return pool;
    }

    /** The slot limiter, for metrics binders. */
    public ConcurrencyLimiter slots() {
        return slots;
    }
}
