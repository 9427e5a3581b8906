package dev.sluice.server.stats;

import dev.sluice.server.job.RunnerStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The numbers behind the dashboard: outcome counters fed by the request gate, job latencies fed by the
 * workers (an HdrHistogram {@link Recorder}, so recording never blocks), and a sampler thread that every
 * {@code interval} turns them into a {@link Sample}. It keeps the newest {@code keep} samples; older ones
 * are dropped, so memory is bounded. {@link #start()} starts the sampler, {@link #close()} ends it.
 */
public final class LiveStats implements AutoCloseable {

    /** What a {@code POST /jobs} answer counts as. */
    public enum Outcome { ADMITTED, RATE_LIMITED, UNAVAILABLE, BAD_REQUEST, OTHER }

    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);

    private final Duration interval;
    private final int keep;
    private final Supplier<RunnerStats> runner;
    private final IntSupplier limit;
    private final IntSupplier requestsInFlight;
    private final long startNanos = System.nanoTime();
    private final LongAdder admitted = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder badRequest = new LongAdder();
    private final LongAdder other = new LongAdder();
    private final Recorder latency = new Recorder(MAX_LATENCY_MICROS, 3);
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Sample> samples; // guarded by lock
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Thread sampler;
    private Histogram recycled; // sampler thread only
    private volatile boolean started;

    /**
     * @param runner the job runner's counters
     * @param limit            the admission limit to chart, or -1
     * @param requestsInFlight requests holding an admission slot, or -1
     */
    public LiveStats(Duration interval, int keep, Supplier<RunnerStats> runner, IntSupplier limit,
            IntSupplier requestsInFlight) {
        this.interval = interval;
        this.keep = keep;
        this.runner = runner;
        this.limit = limit;
        this.requestsInFlight = requestsInFlight;
        this.samples = new ArrayDeque<>(keep);
        this.sampler = Thread.ofPlatform().daemon(true).name("sluice-stats").unstarted(this::sampleLoop);
    }

    public void start() {
        started = true;
        sampler.start();
    }

    /** Counts one {@code POST /jobs} answer. */
    public void count(Outcome o) {
        switch (o) {
            case ADMITTED -> admitted.increment();
            case RATE_LIMITED -> rateLimited.increment();
            case UNAVAILABLE -> unavailable.increment();
            case BAD_REQUEST -> badRequest.increment();
            case OTHER -> other.increment();
        }
    }

    /** Records one finished job's latency, acceptance to finish. */
    public void recordJobNanos(long nanos) {
        latency.recordValue(Math.min(Math.max(nanos / 1000, 0), MAX_LATENCY_MICROS));
    }

    public long admitted() {
        return admitted.sum();
    }

    public long rateLimited() {
        return rateLimited.sum();
    }

    public long unavailable() {
        return unavailable.sum();
    }

    /** Answers 400, 408 and 413: input refused, nothing created. */
    public long badRequest() {
        return badRequest.sum();
    }

    public long other() {
        return other.sum();
    }

    /** The samples with {@code seq > since}, oldest first. */
    public List<Sample> since(long since) {
        lock.lock();
        try {
            List<Sample> out = new ArrayList<>();
            for (Sample s : samples) {
                if (s.seq() > since) {
                    out.add(s);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    private void sampleLoop() {
        long seq = 0;
        long last = System.nanoTime();
        long a0 = 0, r0 = 0, u0 = 0, o0 = 0, c0 = 0;
        try {
            while (!stop.await(interval.toNanos(), TimeUnit.NANOSECONDS)) {
                long now = System.nanoTime();
                double secs = Math.max(1e-3, (now - last) / 1e9);
                last = now;
                long a = admitted.sum(), r = rateLimited.sum(), u = unavailable.sum(), o = other.sum() + badRequest.sum();
                RunnerStats rs = runner.get();
                long c = rs.completed() + rs.failed();
                recycled = latency.getIntervalHistogram(recycled);
                Double p50 = null, p99 = null;
                if (recycled.getTotalCount() > 0) {
                    p50 = recycled.getValueAtPercentile(50) / 1000.0;
                    p99 = recycled.getValueAtPercentile(99) / 1000.0;
                }
                Runtime rt = Runtime.getRuntime();
                double heap = (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
                Sample s = new Sample(++seq, (now - startNanos) / 1_000_000, (a - a0) / secs, (r - r0) / secs,
                        (u - u0) / secs, (o - o0) / secs, (c - c0) / secs, rs.queued(), rs.queueCapacity(),
                        rs.inFlight(), rs.running(), limit.getAsInt(), requestsInFlight.getAsInt(), p50, p99, heap);
                a0 = a;
                r0 = r;
                u0 = u;
                o0 = o;
                c0 = c;
                lock.lock();
                try {
                    if (samples.size() == keep) {
                        samples.removeFirst();
                    }
                    samples.addLast(s);
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the sampler and waits for it to end. */
    @Override
    public void close() {
        stop.countDown();
        if (!started) {
            return;
        }
        try {
            sampler.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
