package dev.sluice.limit.internal;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.internal.ContextSupport;
import dev.sluice.limit.TokenBucket;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/** The engine behind {@link TokenBucket}. */
public final class TokenBucketImpl implements TokenBucket {

    /*
     * Generic cell rate algorithm, as a token bucket. State: `fullAt`, the clock time at which the bucket
     * will be full again (<= now means full). Taking n tokens moves it to max(fullAt, now) + n*T, which is
     * allowed while that stays within burst*T of now. Tokens available now = (burst*T - (fullAt - now))/T.
     * A waiting acquire moves fullAt beyond that bound (a reservation: the bucket "owes" tokens) and sleeps
     * until the reservation is inside the bound again; giving up subtracts the reservation back.
     *
     * All arithmetic is on differences of clock values, so a clock that starts anywhere (even negative, as
     * System.nanoTime may) works; the builder keeps burst*T below Long.MAX_VALUE/8 so nothing overflows.
     */

    private static final VarHandle FULL_AT;

    static {
        try {
            FULL_AT = MethodHandles.lookup().findVarHandle(TokenBucketImpl.class, "fullAt", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long nanosPerToken;
    private final long burst;
    private final long burstNanos;
    private final LongSupplier clock;
    private volatile long fullAt;

    public TokenBucketImpl(long nanosPerToken, long burst, boolean initiallyFull, LongSupplier clock) {
        this.nanosPerToken = nanosPerToken;
        this.burst = burst;
        this.burstNanos = burst * nanosPerToken;
        this.clock = Objects.requireNonNull(clock);
        long now = clock.getAsLong();
        this.fullAt = initiallyFull ? now : now + burstNanos;
    }

    @Override
    public boolean tryAcquire() {
        return tryAcquire(1L);
    }

    @Override
    public boolean tryAcquire(long n) {
        long cost = cost(n);
        for (;;) {
            long now = clock.getAsLong();
            long cur = fullAt;
            long next = (cur - now > 0 ? cur : now) + cost;
            if (next - now > burstNanos) {
                return false;
            }
            if (FULL_AT.compareAndSet(this, cur, next)) {
                return true;
            }
        }
    }

    @Override
    public boolean tryAcquire(long n, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long nanos;
        try {
            nanos = Math.max(0L, Math.min(timeout.toNanos(), Long.MAX_VALUE / 4));
        } catch (ArithmeticException overflow) {
            nanos = timeout.isNegative() ? 0L : Long.MAX_VALUE / 4;
        }
        return acquire(n, null, nanos);
    }

    @Override
    public void acquire(long n) throws InterruptedException {
        acquire(n, null, Long.MAX_VALUE);
    }

    @Override
    public void acquire(Context context) throws InterruptedException {
        acquire(context, 1L);
    }

    @Override
    public void acquire(Context context, long n) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        cost(n);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        context.throwIfDone();
        acquire(n, context, context.remainingNanos());
    }

    /** Waits at most {@code maxWaitNanos} (Long.MAX_VALUE: no bound). False if that is not enough. */
    private boolean acquire(long n, Context ctx, long maxWaitNanos) throws InterruptedException {
        long cost = cost(n);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long readyAt;
        for (;;) {
            long now = clock.getAsLong();
            long cur = fullAt;
            long next = (cur - now > 0 ? cur : now) + cost;
            long wait = next - now - burstNanos;
            if (wait > maxWaitNanos) {
                if (ctx != null) {
                    throw new DeadlineExceededException("token bucket: " + n + " token(s) available in "
                            + Duration.ofNanos(wait) + ", after the context's deadline (in " + Duration.ofNanos(maxWaitNanos) + ")");
                }
                return false;
            }
            if (FULL_AT.compareAndSet(this, cur, next)) {
                if (wait <= 0) {
                    return true;
                }
                readyAt = now + wait;
                break;
            }
        }
        Thread me = Thread.currentThread();
        Context.Registration reg = ctx == null ? Context.Registration.NONE
                : ContextSupport.onCancel(ctx, () -> LockSupport.unpark(me));
        try {
            for (;;) {
                long left = readyAt - clock.getAsLong();
                if (left <= 0) {
                    return true;
                }
                if (Thread.interrupted()) {
                    refund(cost);
                    throw new InterruptedException();
                }
                if (ctx != null && ctx.isDone()) {
                    refund(cost);
                    ctx.throwIfDone();
                }
                LockSupport.parkNanos(this, left);
            }
        } finally {
            reg.close();
        }
    }

    /** Gives back a reservation that was not used; never makes the bucket fuller than full. */
    private void refund(long cost) {
        for (;;) {
            long now = clock.getAsLong();
            long cur = fullAt;
            long next = cur - cost;
            if (next - now < 0) {
                next = now;
            }
            if (next == cur || FULL_AT.compareAndSet(this, cur, next)) {
                return;
            }
        }
    }

    @Override
    public long nanosUntilAvailable(long n) {
        long cost = cost(n);
        long now = clock.getAsLong();
        long cur = fullAt;
        long wait = (cur - now > 0 ? cur : now) + cost - now - burstNanos;
        return Math.max(0L, wait);
    }

    @Override
    public long availableTokens() {
        long now = clock.getAsLong();
        long owed = fullAt - now;
        if (owed <= 0) {
            return burst;
        }
        return Math.max(0L, (burstNanos - owed) / nanosPerToken);
    }

    @Override
    public long burst() {
        return burst;
    }

    @Override
    public long nanosPerToken() {
        return nanosPerToken;
    }

    /** Bucket state for the keyed limiter: true if the bucket is full, so dropping it loses nothing. */
    public boolean isFull() {
        return fullAt - clock.getAsLong() <= 0;
    }

    private long cost(long n) {
        if (n < 1 || n > burst) {
            throw new IllegalArgumentException("tokens must be in [1, burst=" + burst + "], was " + n);
        }
        return n * nanosPerToken;
    }

    @Override
    public String toString() {
        return "TokenBucket[burst=" + burst + ", nanosPerToken=" + nanosPerToken + ", available=" + availableTokens() + "]";
    }
}
