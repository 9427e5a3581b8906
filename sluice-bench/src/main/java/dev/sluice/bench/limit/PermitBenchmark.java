package dev.sluice.bench.limit;

import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
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
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar 'limit.PermitBenchmark' -t 1
 * java -jar sluice-bench/target/benchmarks.jar 'limit.PermitBenchmark' -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PermitBenchmark {

    private static final int LIMIT = 1_000;

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
}
