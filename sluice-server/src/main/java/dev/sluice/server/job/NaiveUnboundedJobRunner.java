package dev.sluice.server.job;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * <b>The deliberate anti-pattern</b>, for {@code ./sluice serve --naive} and the side-by-side demo: a
 * fixed set of workers fed by an <em>unbounded</em> queue, with no admission control, no wait budget and
 * no limit. It never refuses a job, so under overload its queue, its memory and every job's latency grow
 * without bound until clients time out; that is the "before" picture that the rest of the server
 * (bounded pool, slots, 503 with {@code Retry-After}) is the "after" of. Do not copy it.
 *
 * <p>It is the only unbounded structure in this module, on purpose, and it is used only when asked for.
 * Drain still finishes every accepted job (within the grace period).
 */
public final class NaiveUnboundedJobRunner implements JobRunner {

    private final ThreadPoolExecutor executor;
    private final AtomicInteger running = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder completed = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private volatile Consumer<JobRecord> listener = j -> { };

    public NaiveUnboundedJobRunner(int workers) {
        AtomicInteger n = new AtomicInteger();
        // The anti-pattern itself: a queue with no capacity.
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                r -> Thread.ofPlatform().name("sluice-naive-worker-" + n.incrementAndGet()).unstarted(r));
    }

    @Override
    public void onFinish(Consumer<JobRecord> l) {
        this.listener = l;
    }

    @Override
    public void submit(JobRecord job, long arrivalNanos) throws JobRejectedException {
        accepted.increment(); // before the job can finish, so accepted >= completed + failed at every instant
        try {
            executor.execute(() -> run(job));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            accepted.decrement();
            throw new JobRejectedException(503, 1, "the server is draining: it accepts no new jobs");
        }
    }

    private void run(JobRecord job) {
        running.incrementAndGet();
        job.markRunning();
        try {
            job.markDone(job.work().run(dev.sluice.Context.background()));
            completed.increment();
        } catch (Throwable t) {
            job.markFailed(t);
            failed.increment();
        } finally {
            running.decrementAndGet();
            listener.accept(job);
        }
    }

    @Override
    public RunnerStats stats() {
        return new RunnerStats(executor.getCorePoolSize(), -1, executor.getQueue().size(), running.get(),
                accepted.sum(), completed.sum(), failed.sum(), -1);
    }

    @Override
    public DrainSummary drain(Duration grace) throws InterruptedException {
        long start = System.nanoTime();
        executor.shutdown();
        boolean done = executor.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS);
        RunnerStats s = stats();
        return new DrainSummary(s.accepted(), s.completed(), s.failed(), s.accepted() - s.completed() - s.failed(),
                done, (System.nanoTime() - start) / 1_000_000);
    }

    @Override
    public void abort() throws InterruptedException {
        executor.shutdownNow();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
