package dev.sluice.bench.limit;

import dev.sluice.Context;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.pool.Job;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Acquire and release of one permit, with room to spare (the limit is never reached, so this measures the
 * admission path, not waiting): sluice's {@link ConcurrencyLimiter} against {@link Semaphore} and
 * Resilience4j's semaphore bulkhead. Uncontended with one thread, contended with {@code -t 2} or more
 * (all threads share one limiter).
 *
 * <p>The methods without a body time a bare acquire and release. The {@code ...Body} methods run the
 * same tiny body (a per-thread counter increment) inside each admission as its users write it: sluice's
 * scoped {@code tryRun}/{@code run} and its {@link Permit} around the body, {@code Semaphore}
 * acquire/release in a try/finally, Resilience4j's {@code tryAcquirePermission}/{@code onComplete} in a
 * try/finally and its {@code executeRunnable}.
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar 'limit.PermitBenchmark' -t 1
 * java -jar sluice-bench/target/benchmarks.jar 'limit.PermitBenchmark.*Body' -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PermitBenchmark {

    private static final int LIMIT = 1_000;

    private final Context ctx = Context.background();
    private ConcurrencyLimiter sluice;
    private Semaphore semaphore;
    private Bulkhead bulkhead;

    @Setup
    public void setUp() {
        sluice = ConcurrencyLimiter.of(LIMIT);
        semaphore = new Semaphore(LIMIT);
        bulkhead = Bulkhead.of("bench", BulkheadConfig.custom().maxConcurrentCalls(LIMIT)
                .maxWaitDuration(Duration.ofSeconds(1)).build());
    }

    @Benchmark
    public boolean sluiceTryAcquire() {
        Permit p = sluice.tryAcquire();
        p.close();
        return p.isReleased();
    }

    @Benchmark
    public boolean sluiceAcquire() throws InterruptedException {
        Permit p = sluice.acquire();
        p.close();
        return p.isReleased();
    }

    @Benchmark
    public boolean semaphoreTryAcquire() {
        boolean ok = semaphore.tryAcquire();
        semaphore.release();
        return ok;
    }

    @Benchmark
    public boolean semaphoreAcquire() throws InterruptedException {
        semaphore.acquire();
        semaphore.release();
        return true;
    }

    @Benchmark
    public boolean resilience4jTryAcquire() {
        boolean ok = bulkhead.tryAcquirePermission();
        bulkhead.onComplete();
        return ok;
    }

    @Benchmark
    public boolean resilience4jAcquire() {
        bulkhead.acquirePermission();
        bulkhead.onComplete();
        return true;
    }

    /** Each thread's own body: a counter it alone writes, reached through the form each API takes. */
    @State(Scope.Thread)
    public static class Work {
        long count;
        final Job job = () -> count++;
        final Runnable runnable = () -> count++;

        void work() {
            count++;
        }
    }

    @Benchmark
    public boolean sluiceTryRunBody(Work w) throws Exception {
        return sluice.tryRun(w.job);
    }

    @Benchmark
    public long sluiceRunBody(Work w) throws Exception {
        sluice.run(ctx, w.job);
        return w.count;
    }

    @Benchmark
    public long sluicePermitTryBody(Work w) {
        Permit p = sluice.tryAcquire();
        try {
            w.work();
        } finally {
            p.close();
        }
        return w.count;
    }

    @Benchmark
    public long sluicePermitAcquireBody(Work w) throws InterruptedException {
        try (Permit p = sluice.acquire(ctx)) {
            w.work();
        }
        return w.count;
    }

    @Benchmark
    public boolean semaphoreTryBody(Work w) {
        if (!semaphore.tryAcquire()) {
            return false;
        }
        try {
            w.work();
        } finally {
            semaphore.release();
        }
        return true;
    }

    @Benchmark
    public long semaphoreAcquireBody(Work w) throws InterruptedException {
        semaphore.acquire();
        try {
            w.work();
        } finally {
            semaphore.release();
        }
        return w.count;
    }

    @Benchmark
    public boolean resilience4jTryBody(Work w) {
        if (!bulkhead.tryAcquirePermission()) {
            return false;
        }
        try {
            w.work();
        } finally {
            bulkhead.onComplete();
        }
        return true;
    }

    @Benchmark
    public long resilience4jExecuteRunnableBody(Work w) {
        bulkhead.executeRunnable(w.runnable);
        return w.count;
    }
}
