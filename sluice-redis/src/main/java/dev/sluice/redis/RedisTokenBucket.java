package dev.sluice.redis;

import dev.sluice.Context;
import dev.sluice.DeadlineExceededException;
import dev.sluice.limit.TokenBucket;
import dev.sluice.redis.internal.Calls;
import dev.sluice.redis.internal.Lua;
import dev.sluice.redis.internal.Script;
import dev.sluice.redis.internal.Sleeper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * A {@link TokenBucket} shared by every JVM that builds one with the same {@linkplain Builder#name name}
 * on the same Redis: the fleet as a whole is admitted at the configured rate and burst. It implements the
 * in-process interface, so a service switches by configuration; its contract is that interface's
 * (waiting reserves tokens first come, first served; a wait that cannot end before the deadline is
 * refused at once; an interrupted or cancelled waiter gives its reservation back), with these
 * differences.
 *
 * <p><b>Time is the server's.</b> The bucket is one number in Redis (its theoretical arrival time, as in
 * the generic cell rate algorithm), updated by a Lua script that reads the server's {@code TIME}; no
 * client's clock enters the calculation, so instances whose clocks disagree (by seconds, or running at
 * different speeds) still share one correct limit. The client's {@linkplain Builder#clock clock} only
 * times its own sleeps, which are differences and so immune to an offset.
 *
 * <p><b>Cost.</b> Each acquire, try or peek is one round trip (EVALSHA of a cached script). A waiting
 * acquire reserves on the server and then sleeps locally for the wait the server computed; it makes no
 * further round trip unless interrupted or cancelled (then one more, to give the tokens back). An interrupt
 * that arrives while the reserving call is in flight waits for its reply (at most the command timeout), so
 * that the tokens are back when {@link InterruptedException} is thrown; a reply that comes after a
 * timeout or a passed deadline gives them back when it arrives.
 *
 * <p><b>Redis unavailable</b> (unreachable, or no reply within the backend's command timeout, shortened
 * to the context's deadline): in {@link FailureMode#FAIL_CLOSED} (the default) the non-blocking forms
 * return false, the blocking forms and the peeks throw {@link RedisUnavailableException}; in
 * {@link FailureMode#FAIL_OPEN} every call goes to the local {@linkplain Builder#fallback fallback}
 * bucket instead. Either way the failure is counted ({@link #unavailableCount()}).
 *
 * <p>All instances sharing a name must be configured alike (rate and burst); the bucket's key expires
 * once it is full again, so an idle bucket costs Redis nothing. Thread-safe.
 */
public final class RedisTokenBucket implements TokenBucket {
    private static final long NO_LIMIT_US = Long.MAX_VALUE / 4_000;

    private final RedisBackend backend;
    private final Calls calls;
    private final byte[][] keys;
    private final String name;
    private final long nanosPerToken;
    private final long burst;
    private final byte[] usPerToken;
    private final byte[] burstArg;
    private final byte[] fullArg;
    private final FailureMode mode;
    private final TokenBucket fallback;
    private final LongSupplier clock;
    private final LongAdder unavailable = new LongAdder();

    private RedisTokenBucket(Builder b) {
        this.backend = b.backend;
        this.calls = backend.calls();
        this.name = b.name;
        this.keys = new byte[][] {bytes("sluice:bucket:{" + b.name + "}")};
        this.nanosPerToken = Math.max(1L, Math.round((double) b.periodNanos / b.tokens));
        this.burst = b.burst > 0 ? b.burst : b.tokens;
        this.usPerToken = bytes(String.format(java.util.Locale.ROOT, "%.6f", nanosPerToken / 1000.0));
        this.burstArg = bytes(Long.toString(burst));
        this.fullArg = bytes(b.initiallyFull ? "1" : "0");
        this.mode = b.mode;
        this.fallback = b.fallback;
        this.clock = b.clock;
    }

    /** A builder; {@link Builder#backend}, {@link Builder#name} and {@link Builder#rate} are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean tryAcquire() {
        return tryAcquire(1);
    }

    @Override
    public boolean tryAcquire(long n) {
        check(n);
        try {
            long r = calls.awaitUninterruptibly(take(n, -1), "token bucket " + name);
            return r >= 0;
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            return mode == FailureMode.FAIL_OPEN && fallback.tryAcquire(n);
        }
    }

    @Override
    public boolean tryAcquire(long n, Duration timeout) throws InterruptedException {
        check(n);
        Objects.requireNonNull(timeout, "timeout");
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        long timeoutNanos = Math.max(0L, saturated(timeout));
        Context ctx = Context.background().withTimeout(Duration.ofNanos(timeoutNanos));
        try {
            acquireWithin(ctx, n, TimeUnit.NANOSECONDS.toMicros(timeoutNanos));
            return true;
        } catch (DeadlineExceededException e) {
            return false;
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            if (mode == FailureMode.FAIL_OPEN) {
                return fallback.tryAcquire(n, Duration.ofNanos(Math.max(0L, ctx.remainingNanos())));
            }
            return false;
        }
    }

    @Override
    public void acquire(long n) throws InterruptedException {
        acquire(Context.background(), n);
    }

    @Override
    public void acquire(Context context) throws InterruptedException {
        acquire(context, 1);
    }

    @Override
    public void acquire(Context context, long n) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        check(n);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        context.throwIfDone();
        long maxWaitUs = context.hasDeadline() ? TimeUnit.NANOSECONDS.toMicros(context.remainingNanos()) : NO_LIMIT_US;
        try {
            acquireWithin(context, n, maxWaitUs);
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            if (mode == FailureMode.FAIL_OPEN) {
                fallback.acquire(context, n);
                return;
            }
            throw e;
        }
    }

    private void acquireWithin(Context context, long n, long maxWaitUs) throws InterruptedException {
        long start = clock.getAsLong();
        CompletableFuture<Long> reply = take(n, maxWaitUs);
        long waitUs;
        try {
            waitUs = calls.await(reply, context, "token bucket " + name);
        } catch (InterruptedException e) {
            // Interrupted while the take was in flight: the script may have taken or reserved the tokens
            // anyway. Its reply is a round trip away: wait for it (bounded by the command timeout) and give
            // them back before throwing, so that a caller who sees the exception sees the tokens back.
            giveBackIfTaken(reply, n);
            Thread.interrupted(); // awaitUninterruptibly set it again; InterruptedException is the signal
            throw e;
        } catch (RuntimeException e) {
            // No reply in time (or the context's deadline passed): give them back if a reply comes later.
            giveBackIfTakenLate(reply, n);
            throw e;
        }
        if (waitUs < 0) {
            throw new DeadlineExceededException("token bucket " + name + ": " + n + " tokens need "
                    + Duration.ofNanos(TimeUnit.MICROSECONDS.toNanos(-waitUs - 1)) + ", more than the time left");
        }
        if (waitUs == 0) {
            return;
        }
        try {
            Sleeper.parkUntil(clock, start + TimeUnit.MICROSECONDS.toNanos(waitUs), context);
        } catch (InterruptedException | RuntimeException e) {
            giveBack(n);
            throw e;
        }
    }

    /** Waits (uninterruptibly, bounded) for the take's reply and gives back what it took or reserved. */
    private void giveBackIfTaken(CompletableFuture<Long> reply, long n) {
        long waitUs;
        try {
            waitUs = calls.awaitUninterruptibly(reply, "token bucket " + name);
        } catch (RuntimeException noReply) {
            giveBackIfTakenLate(reply, n);
            return;
        }
        if (waitUs >= 0) {
            giveBack(n);
        }
    }

    /** Gives back the tokens a take the caller stopped waiting for took or reserved (reply >= 0); never blocks. */
    private void giveBackIfTakenLate(CompletableFuture<Long> reply, long n) {
        reply.thenAccept(waitUs -> {
            if (waitUs >= 0) {
                giveBackCall(n).whenComplete((ok, failed) -> {
                    if (failed != null) {
                        unavailable.increment(); // the reservation stands: the fleet is admitted less, never more
                    }
                });
            }
        });
    }

    /** Sends the script that returns {@code n} taken or reserved tokens to the bucket. */
    private CompletableFuture<Object> giveBackCall(long n) {
        return Lua.TOKEN_BUCKET.run(backend.async(), keys, bytes("giveback"), bytes(Long.toString(n)), usPerToken,
                burstArg, bytes("-1"), fullArg);
    }

    private void giveBack(long n) {
        try {
            calls.awaitUninterruptibly(giveBackCall(n), "token bucket " + name);
        } catch (RuntimeException e) {
            // The reservation then simply stands: the fleet is admitted slightly less, never more.
            unavailable.increment();
        }
    }

    @Override
    public long nanosUntilAvailable(long n) {
        check(n);
        try {
            return TimeUnit.MICROSECONDS.toNanos(((Number) peek(n).get(0)).longValue());
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            if (mode == FailureMode.FAIL_OPEN) {
                return fallback.nanosUntilAvailable(n);
            }
            throw e;
        }
    }

    @Override
    public long availableTokens() {
        try {
            return ((Number) peek(1).get(1)).longValue();
        } catch (RedisUnavailableException e) {
            unavailable.increment();
            if (mode == FailureMode.FAIL_OPEN) {
                return fallback.availableTokens();
            }
            throw e;
        }
    }

    @Override
    public long burst() {
        return burst;
    }

    @Override
    public long nanosPerToken() {
        return nanosPerToken;
    }

    /** How many calls found Redis unavailable (and were refused or went to the fallback). */
    public long unavailableCount() {
        return unavailable.sum();
    }

    /** The failure mode this bucket was built with. */
    public FailureMode failureMode() {
        return mode;
    }

    private CompletableFuture<Long> take(long n, long maxWaitUs) {
        return Lua.TOKEN_BUCKET.run(backend.async(), keys, bytes("take"), bytes(Long.toString(n)), usPerToken, burstArg,
                bytes(Long.toString(maxWaitUs)), fullArg).thenApply(o -> ((Number) Script.scalar(o)).longValue());
    }

    private List<?> peek(long n) {
        Object o = calls.awaitUninterruptibly(Lua.TOKEN_BUCKET.run(backend.async(), keys, bytes("peek"), bytes(Long.toString(n)),
                usPerToken, burstArg, bytes("-1"), fullArg), "token bucket " + name);
        return (List<?>) o;
    }

    private void check(long n) {
        if (n < 1) {
            throw new IllegalArgumentException("tokens must be at least 1, was " + n);
        }
        if (n > burst) {
            throw new IllegalArgumentException("asked for " + n + " tokens, more than the burst " + burst + " (could never be satisfied)");
        }
    }

    private static long saturated(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE / 2;
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Builds a {@link RedisTokenBucket}. Not thread-safe; fails fast on bad values. */
    public static final class Builder {
        private RedisBackend backend;
        private String name;
        private long tokens;
        private long periodNanos;
        private long burst = -1;
        private boolean initiallyFull = true;
        private FailureMode mode = FailureMode.FAIL_CLOSED;
        private TokenBucket fallback;
        private LongSupplier clock = System::nanoTime;

        private Builder() { }

        /** The Redis server holding the bucket. Required. */
        public Builder backend(RedisBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /** The bucket's name: every instance with this name on this Redis shares one bucket. Required. */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 200 || name.chars().anyMatch(c -> c < 0x21 || c == '{' || c == '}')) {
                throw new IllegalArgumentException("name must be 1-200 visible characters without braces, was '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /** Refill {@code tokens} every {@code period} for the whole fleet. Required. At most one token per microsecond... */
        public Builder rate(long tokens, Duration period) {
            Objects.requireNonNull(period, "period");
            if (tokens < 1) {
                throw new IllegalArgumentException("tokens must be at least 1, was " + tokens);
            }
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period must be positive, was " + period);
            }
            long nanos = saturated(period);
            if (nanos / tokens < 100) {
                throw new IllegalArgumentException("rate above ten million tokens a second: " + tokens + " per " + period);
            }
            this.tokens = tokens;
            this.periodNanos = nanos;
            return this;
        }

        /** The most tokens taken at once after an idle period (default: the rate's tokens). */
        public Builder burst(long burst) {
            if (burst < 1) {
                throw new IllegalArgumentException("burst must be at least 1, was " + burst);
            }
            this.burst = burst;
            return this;
        }

        /**
         * Whether a bucket that does not exist in Redis starts full (default) or empty. The key expires a
         * second after the bucket is full again, so an idle bucket built with {@code false} starts empty
         * once more on its next use.
         */
        public Builder initiallyFull(boolean full) {
            this.initiallyFull = full;
            return this;
        }

        /** Fail closed: refuse while Redis is unavailable (the default). */
        public Builder failClosed() {
            this.mode = FailureMode.FAIL_CLOSED;
            this.fallback = null;
            return this;
        }

        /** Fail open to {@code local}: while Redis is unavailable, admit by this in-process bucket instead. */
        public Builder failOpen(TokenBucket local) {
            this.fallback = Objects.requireNonNull(local, "local");
            this.mode = FailureMode.FAIL_OPEN;
            return this;
        }

        /** The nanosecond clock for this client's own sleeps (default {@link System#nanoTime()}); never for the limit. */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** @throws IllegalStateException if the backend, name or rate is missing */
        public RedisTokenBucket build() {
            if (backend == null || name == null || tokens == 0) {
                throw new IllegalStateException("backend, name and rate(tokens, period) are required");
            }
            return new RedisTokenBucket(this);
        }
    }
}
