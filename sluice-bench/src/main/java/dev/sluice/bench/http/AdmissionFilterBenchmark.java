package dev.sluice.bench.http;

import dev.sluice.http.AdmissionControl;
import dev.sluice.limit.AimdLimit;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of the admission decision itself: one request through {@link AdmissionControl#servletFilter()}
 * to a chain that does nothing, with a fake request and response held in fields (no server, no socket),
 * so that what is timed is the filter: header parsing, the route class, the per-client bucket, the
 * concurrency slot, the context, the release and the counters. {@code noFilter} is the same call without
 * admission control, to subtract. The limit is never reached (normal load), except in
 * {@code rejectedByClientRate}, which times the overload path (a 429 with its Retry-After written).
 * Sample mode, so JMH reports the median and the 99th percentile per call (each sample includes about
 * 20-30 ns of timer overhead).
 *
 * <pre>
 * java -jar sluice-bench/target/benchmarks.jar 'http.AdmissionFilterBenchmark' -t 1
 * java -jar sluice-bench/target/benchmarks.jar 'http.AdmissionFilterBenchmark' -t 2
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AdmissionFilterBenchmark {

    private static final int KEYS = 1024;
    private static final FilterChain NOTHING = (req, res) -> { };

    private Filter plain;
    private Filter withClientRate;
    private Filter adaptive;
    private Filter exhaustedRate;
    private Filter cancelling;

    @Setup
    public void setUp() {
        plain = AdmissionControl.builder().limit(1_000).build().servletFilter();
        withClientRate = AdmissionControl.builder().limit(1_000).clientKeyHeader("X-Client-Id")
                .perClientRate(1_000_000, Duration.ofSeconds(1), 1_000_000).maxClientKeys(4 * KEYS).build().servletFilter();
        adaptive = AdmissionControl.builder().limit(AimdLimit.builder().initialLimit(1_000).maxLimit(1_000).build())
                .build().servletFilter();
        cancelling = AdmissionControl.builder().limit(1_000).cancelContextAtEnd(true).build().servletFilter();
        exhaustedRate = AdmissionControl.builder().limit(1_000)
                .perClientRate(1, Duration.ofHours(1), 1).build().servletFilter();
    }

    /** One thread's requests: reused objects, reset before each call. */
    @State(Scope.Thread)
    public static class Requests {
        FakeRequest bare;
        FakeRequest withTimeout;
        FakeRequest[] keyed;
        FakeResponse response;
        int next;

        @Setup
        public void setUp() {
            bare = new FakeRequest("GET", "/api/work", "127.0.0.1");
            withTimeout = new FakeRequest("GET", "/api/work", "127.0.0.1", "Request-Timeout", "2s");
            keyed = new FakeRequest[KEYS];
            String thread = Long.toString(Thread.currentThread().threadId());
            for (int i = 0; i < KEYS; i++) {
                keyed[i] = new FakeRequest("GET", "/api/work", "127.0.0.1", "X-Client-Id", "client-" + thread + "-" + i);
            }
            response = new FakeResponse();
        }

        FakeRequest nextKeyed() {
            FakeRequest r = keyed[next++ & (KEYS - 1)];
            r.reset();
            return r;
        }
    }

    @Benchmark
    public FakeResponse noFilter(Requests r) throws IOException, ServletException {
        r.bare.reset();
        NOTHING.doFilter(r.bare, r.response);
        return r.response;
    }

    @Benchmark
    public FakeResponse admitRelease(Requests r) throws IOException, ServletException {
        r.bare.reset();
        plain.doFilter(r.bare, r.response, NOTHING);
        return r.response;
    }

    @Benchmark
    public FakeResponse admitReleaseWithRequestTimeout(Requests r) throws IOException, ServletException {
        r.withTimeout.reset();
        plain.doFilter(r.withTimeout, r.response, NOTHING);
        return r.response;
    }

    @Benchmark
    public FakeResponse admitReleaseWithClientRate(Requests r) throws IOException, ServletException {
        withClientRate.doFilter(r.nextKeyed(), r.response, NOTHING);
        return r.response;
    }

    @Benchmark
    public FakeResponse admitReleaseAdaptiveLimit(Requests r) throws IOException, ServletException {
        r.bare.reset();
        adaptive.doFilter(r.bare, r.response, NOTHING);
        return r.response;
    }

    /** The opt-in cost of a cancellable context cancelled at the end of each request. */
    @Benchmark
    public FakeResponse admitReleaseCancellingContext(Requests r) throws IOException, ServletException {
        r.bare.reset();
        cancelling.doFilter(r.bare, r.response, NOTHING);
        return r.response;
    }

    @Benchmark
    public FakeResponse rejectedByClientRate(Requests r) throws IOException, ServletException {
        r.bare.reset();
        r.response.clear();
        exhaustedRate.doFilter(r.bare, r.response, NOTHING);
        return r.response;
    }
}
