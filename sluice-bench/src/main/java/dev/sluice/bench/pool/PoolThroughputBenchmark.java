package dev.sluice.bench.pool;

import dev.sluice.channel.Channel;
import dev.sluice.pool.Job;
import dev.sluice.pool.WorkerPool;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of tiny jobs: one producer submits {@value #JOBS} jobs, each of which only counts itself
 * down, to a pool of {@code workers} threads with a queue of {@code queue} slots, and waits until all
 * have run. Compared: sluice's {@link WorkerPool} (blocking {@code submit}, which returns a handle, with
 * platform or virtual workers; or {@code sluice-try}: {@code trySubmit(Job)}, which returns none, falling
 * back to {@code submit} when the queue is full) and {@code ThreadPoolExecutor} with an
 * {@code ArrayBlockingQueue} of the same size whose rejection handler blocks on {@code queue.put} (the usual
 * way to make {@code execute} wait for room, so both sides apply backpressure the same way), fed with
 * {@code execute} ({@code tpe}: no handle per job, the peer of {@code sluice-try}) or with {@code submit}
 * ({@code tpe-submit}: a {@code FutureTask} per job, the peer of sluice's {@code submit}).
 *
 * <pre>{@code
 * java -jar sluice-bench/target/benchmarks.jar PoolThroughputBenchmark -f 1 -wi 3 -i 5
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PoolThroughputBenchmark {

    static final int JOBS = 10_000;

    @Param({"sluice", "sluice-try", "sluice-virtual", "tpe", "tpe-submit", "bare-channel"})
    public String impl;

    @Param({"2"})
    public int workers;

    @Param({"256"})
    public int queue;

    private WorkerPool pool;
    /** sluice-try: {@code trySubmit(Job)} (no handle), {@code submit} only when the queue is full. */
    private boolean tryFirst;
    /** Diagnostic baseline: the same shape on a bare sluice channel with hand-written worker loops. */
    private Channel<Runnable> channel;
    private Thread[] channelWorkers;
    private ThreadPoolExecutor tpe;
    private final AtomicInteger remaining = new AtomicInteger();
    private volatile Thread waiter;
    private Job job;
    private Runnable runnable;

    @Setup(Level.Trial)
    public void setUp() {
        job = this::countDown;
        tryFirst = impl.equals("sluice-try");
        runnable = this::countDown;
        switch (impl) {
            case "sluice", "sluice-try", "sluice-virtual" -> pool = WorkerPool.builder().name("bench").workers(workers)
                    .queueCapacity(queue).virtualThreads(impl.equals("sluice-virtual")).build();
            case "tpe", "tpe-submit" -> tpe = PoolPeer.blockingTpe(workers, queue, null);
            case "bare-channel" -> {
                channel = Channel.bounded(queue);
                channelWorkers = new Thread[workers];
                for (int i = 0; i < workers; i++) {
                    channelWorkers[i] = Thread.ofPlatform().start(() -> {
                        for (Runnable r : channel) {
                            r.run();
                        }
                    });
                }
            }
            default -> throw new IllegalArgumentException(impl);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        if (pool != null) {
            pool.drain(Duration.ofSeconds(10));
        }
        if (channel != null) {
            channel.close();
            for (Thread t : channelWorkers) {
                t.join(10_000);
            }
        }
        if (tpe != null) {
            tpe.shutdown();
            tpe.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private void countDown() {
        if (remaining.decrementAndGet() == 0) {
            LockSupport.unpark(waiter);
        }
    }

    @Benchmark
    @OperationsPerInvocation(JOBS)
    public void tinyJobs() throws InterruptedException {
        waiter = Thread.currentThread();
        remaining.set(JOBS);
        if (pool != null && tryFirst) {
            for (int i = 0; i < JOBS; i++) {
                if (!pool.trySubmit(job)) {
                    pool.submit(job);
                }
            }
        } else if (pool != null) {
            for (int i = 0; i < JOBS; i++) {
                pool.submit(job);
            }
        } else if (channel != null) {
            for (int i = 0; i < JOBS; i++) {
                channel.send(runnable);
            }
        } else if (impl.equals("tpe-submit")) {
            for (int i = 0; i < JOBS; i++) {
                tpe.submit(runnable);
            }
        } else {
            for (int i = 0; i < JOBS; i++) {
                tpe.execute(runnable);
            }
        }
        while (remaining.get() != 0) {
            LockSupport.park(this);
        }
    }
}
