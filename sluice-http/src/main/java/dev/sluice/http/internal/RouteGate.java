package dev.sluice.http.internal;

import dev.sluice.http.RouteClassStats;
import dev.sluice.limit.ConcurrencyLimiter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/** One route class (bulkhead): which paths it takes, its own limiter and wait budget, its counters. */
public final class RouteGate {

    /** Weight of a new service-time sample in the moving average: 1/8, as TCP's smoothed RTT. */
    private static final int EWMA_SHIFT = 3;
    /** Longest Retry-After we ever advise; a drain estimate beyond it says "much later", not a time. */
    static final long MAX_RETRY_AFTER_SECONDS = 300;

    private static final VarHandle SERVICE;

    static {
        try {
            SERVICE = MethodHandles.lookup().findVarHandle(RouteGate.class, "serviceNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final String name;
    final Predicate<String> matcher;
    final ConcurrencyLimiter limiter;
    final long waitBudgetNanos;
    final LongAdder admitted = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder waited = new LongAdder();
    final LongAdder waitNanos = new LongAdder();
    @SuppressWarnings("unused") // through SERVICE
    private volatile long serviceNanos;

    RouteGate(String name, Predicate<String> matcher, ConcurrencyLimiter limiter, long waitBudgetNanos) {
        this.name = name;
        this.matcher = matcher;
        this.limiter = limiter;
        this.waitBudgetNanos = waitBudgetNanos;
    }

    /** Folds one observed slot-holding time into the moving average. Lock-free; a lost race loses one sample. */
    void recordService(long nanos) {
        long prev = (long) SERVICE.getOpaque(this);
        long next = prev == 0 ? Math.max(1L, nanos) : prev + ((nanos - prev) >> EWMA_SHIFT);
        SERVICE.compareAndSet(this, prev, Math.max(1L, next));
    }

    long serviceNanos() {
        return (long) SERVICE.getOpaque(this);
    }

    /**
     * When a refused client should come back: the time the class needs to drain the queue ahead of it and
     * this request, {@code (waiting + 1) x serviceTime / limit}, rounded up to whole seconds, at least 1.
     */
    long retryAfterSeconds() {
        long service = serviceNanos();
        int limit = Math.max(1, limiter.limit());
        double drainNanos = (double) (limiter.waiting() + 1) * service / limit;
        long seconds = (long) Math.ceil(drainNanos / 1e9);
        return Math.max(1L, Math.min(MAX_RETRY_AFTER_SECONDS, seconds));
    }

    RouteClassStats stats() {
        return new RouteClassStats(name, limiter.limit(), limiter.inflight(), limiter.waiting(), admitted.sum(),
                rejected.sum(), waited.sum(), waitNanos.sum(), serviceNanos());
    }
}
