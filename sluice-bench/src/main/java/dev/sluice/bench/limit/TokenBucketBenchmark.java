package dev.sluice.bench.limit;

import com.google.common.util.concurrent.RateLimiter;
import dev.sluice.limit.TokenBucket;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Non-blocking take of one token: sluice's {@link TokenBucket} against Bucket4j (lock-free local bucket)
 * and Guava's {@link RateLimiter}. Each allows 100 million tokens per second, so (up to a handful of
 * threads) a take nearly always succeeds and the benchmark measures the bookkeeping, not the refusals.
 * All three read the clock on every call.
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar 'limit.TokenBucketBenchmark' -t 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TokenBucketBenchmark {

    private static final long RATE = 100_000_000L;

    private TokenBucket sluice;
    private Bucket bucket4j;
    private RateLimiter guava;

    @Setup
    public void setUp() {
        sluice = TokenBucket.builder().rate(RATE, Duration.ofSeconds(1)).burst(1_000_000).build();
        bucket4j = Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000).refillGreedy(RATE, Duration.ofSeconds(1)).build())
                .build();
        guava = RateLimiter.create(RATE);
    }

    @Benchmark
    public boolean sluiceTryAcquire() {
        return sluice.tryAcquire();
    }

    @Benchmark
    public boolean bucket4jTryConsume() {
        return bucket4j.tryConsume(1);
    }

    @Benchmark
    public boolean guavaTryAcquire() {
        return guava.tryAcquire();
    }
}
