package dev.sluice.load;

import dev.sluice.load.internal.Exchange;
import dev.sluice.load.internal.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * An open-loop HTTP load generator: it starts requests at fixed intended times derived from the rate,
 * whether or not earlier requests have been answered, and measures each latency from the request's
 * intended start. A slow server therefore shows up as latency and timeouts instead of as a politely lower
 * request rate (the "coordinated omission" of closed-loop tools, which wait for an answer before sending
 * the next request).
 *
 * <h2>Threads and bounds</h2>
 * {@link #run()} paces on the calling thread; each request runs on a virtual thread of its own, and at most
 * {@link LoadPlan#maxInFlight()} are outstanding at once (a {@link Semaphore}). A start that finds the bound
 * reached is not queued and not retried: it is counted as {@link LoadReport#notSent()} ("generator
 * saturated"). If the pacing thread falls behind (a stalled machine), it sends the overdue requests at once,
 * and their lateness is part of their latency; the worst lag is reported.
 *
 * <h2>Ending</h2>
 * After the last start the run waits up to {@link LoadPlan#drainTimeout()} for outstanding requests; any
 * still outstanding are aborted and counted as {@link LoadReport#abandoned()}. When {@code run} returns,
 * every thread it started has ended and the HTTP client is closed. If the calling thread is interrupted,
 * the run stops starting requests, aborts what is outstanding, waits for its threads, and throws
 * {@link InterruptedException}.
 *
 * <p>A generator runs its plan once; it is not meant for concurrent use.
 */
public final class LoadGenerator {

    /** Latencies above an hour are clamped to an hour. */
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final LoadPlan plan;

    private final LongAdder sent = new LongAdder();
    private final LongAdder notSent = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder tooMany = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder abandoned = new LongAdder();
    /** Set before the client is closed on an unfinished drain: whatever ends after it was abandoned. */
    private volatile boolean aborting;
    private final Map<Integer, LongAdder> other = new ConcurrentHashMap<>();
    /** Connection-error reasons, by their exception class; at most {@value #ERROR_KINDS_KEPT} kinds. */
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();
    private static final int ERROR_KINDS_KEPT = 8;
    private final Recorder acceptedMicros = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder answeredMicros = new Recorder(HIGHEST_MICROS, 3);
    private final Recorder rejectedMicros = new Recorder(HIGHEST_MICROS, 3);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();

    public LoadGenerator(LoadPlan plan) {
        this(plan, null);
    }

    /**
     * A generator that also hands every answer of a measured request (status and body text) to
     * {@code listener}, on the request's thread, for callers that must know what was answered (which
     * jobs were accepted, say). The listener must be quick and thread-safe.
     */
    public LoadGenerator(LoadPlan plan, AnswerListener listener) {
        this.plan = plan;
        this.listener = listener;
    }

    /** Receives the answers of measured requests. */
    @FunctionalInterface
    public interface AnswerListener {
        void answered(int status, String body);
    }

    private final AnswerListener listener;

    /** Runs the plan to the end and returns what it measured. */
    public LoadReport run() throws InterruptedException {
        Semaphore slots = new Semaphore(plan.maxInFlight());
        ThreadFactory threads = Thread.ofVirtual().name("sluice-load-", 0).factory();
        long warmupCount = plan.warmupRequests();
        long measuredCount = plan.measuredRequests();
        long total = warmupCount + measuredCount;
        double interval = plan.rate().intervalNanos();
        long maxLag = 0;
        long lastStart = 0;
        long start;
        try (Transport transport = Transport.open(plan, listener != null)) {
            start = System.nanoTime();
            boolean interrupted = false;
            try {
                for (long i = 0; i < total; i++) {
                    long intended = start + (long) (i * interval);
                    waitUntil(intended);
                    long now = System.nanoTime();
                    lastStart = now;
                    boolean measured = i >= warmupCount;
                    if (measured) {
                        maxLag = Math.max(maxLag, now - intended);
                    }
                    if (!slots.tryAcquire()) {
                        if (measured) {
                            notSent.increment();
                        }
                        continue;
                    }
                    if (measured) {
                        sent.increment();
                    }
                    int now2 = inFlight.incrementAndGet();
                    peakInFlight.accumulateAndGet(now2, Math::max);
                    String clientId = "client-" + (i % plan.clients());
                    Thread t = threads.newThread(() -> {
                        try {
                            Exchange e = transport.exchange(clientId);
                            if (measured) {
                                record(e, System.nanoTime() - intended);
                            }
                        } finally {
                            inFlight.decrementAndGet();
                            slots.release();
                        }
                    });
                    t.start();
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            boolean drained = !interrupted && awaitAll(slots, plan.drainTimeout().toNanos());
            if (!drained) {
                aborting = true;
                transport.close();
                // Aborted exchanges return promptly; this bounds the wait for their threads to end.
                if (!awaitAll(slots, TimeUnit.SECONDS.toNanos(10))) {
                    throw new IllegalStateException(
                            (plan.maxInFlight() - slots.availablePermits()) + " request threads did not end after the client was closed");
                }
            }
            if (interrupted) {
                throw new InterruptedException("load run interrupted");
            }
        }
        long firstMeasured = start + (long) (warmupCount * interval);
        double span = Math.max(plan.duration().toNanos(), lastStart - firstMeasured + interval) / 1e9;
        return report(measuredCount, span, maxLag / 1e6);
    }

    private static void waitUntil(long deadline) throws InterruptedException {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }

    /** Takes every slot back, which means every request thread has finished; false if time ran out first. */
    private boolean awaitAll(Semaphore slots, long nanos) {
        try {
            if (slots.tryAcquire(plan.maxInFlight(), nanos, TimeUnit.NANOSECONDS)) {
                slots.release(plan.maxInFlight());
                return true;
            }
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void record(Exchange e, long latencyNanos) {
        if (aborting) {
            abandoned.increment();
            return;
        }
        long micros = Math.min(HIGHEST_MICROS, Math.max(0, latencyNanos / 1000));
        switch (e) {
            case Exchange.Answered a -> {
                if (listener != null) {
                    listener.answered(a.status(), a.body());
                }
                answeredMicros.recordValue(micros);
                int s = a.status();
                if (s >= 200 && s < 300) {
                    accepted.increment();
                    acceptedMicros.recordValue(micros);
                } else if (s == 429) {
                    tooMany.increment();
                    rejectedMicros.recordValue(micros);
                } else if (s == 503) {
                    unavailable.increment();
                    rejectedMicros.recordValue(micros);
                } else {
                    other.computeIfAbsent(s, k -> new LongAdder()).increment();
                }
            }
            case Exchange.TimedOut t -> timeouts.increment();
            case Exchange.Failed f -> {
                failed.increment();
                String kind = f.reason();
                int colon = kind.indexOf(':');
                kind = colon < 0 ? kind : kind.substring(0, colon);
                LongAdder n = errorKinds.get(kind);
                if (n == null && errorKinds.size() < ERROR_KINDS_KEPT) {
                    n = errorKinds.computeIfAbsent(kind, k -> new LongAdder());
                }
                if (n != null) {
                    n.increment();
                }
            }
        }
    }

    private LoadReport report(long scheduled, double elapsedSeconds, double maxLagMillis) {
        Map<Integer, Long> others = new java.util.TreeMap<>();
        other.forEach((k, v) -> others.put(k, v.sum()));
        Map<String, Long> errors = new java.util.TreeMap<>();
        errorKinds.forEach((k, v) -> errors.put(k, v.sum()));
        Histogram acc = acceptedMicros.getIntervalHistogram();
        Histogram all = answeredMicros.getIntervalHistogram();
        Histogram rejected = rejectedMicros.getIntervalHistogram();
        return new LoadReport(plan, scheduled, sent.sum(), notSent.sum(), accepted.sum(), tooMany.sum(),
                unavailable.sum(), others, failed.sum(), errors, timeouts.sum(), abandoned.sum(), elapsedSeconds, maxLagMillis,
                peakInFlight.get(), Latency.of(acc), Latency.of(all), Latency.of(rejected));
    }
}
