package dev.sluice.limit;

import dev.sluice.Context;
import dev.sluice.limit.internal.TokenBucketImpl;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A rate limit: tokens refill at a constant rate up to a burst size, and each admitted unit of work takes
 * some. There is no refill thread and no timer: the bucket stores one number (the time at which it will be
 * full again, as in the generic cell rate algorithm) and computes everything else from the clock, so an
 * idle bucket costs nothing and a waiting caller sleeps exactly as long as its tokens need.
 *
 * <table class="striped">
 * <caption>Ways to take tokens</caption>
 * <thead><tr><th>Never blocks</th><th>Blocks</th><th>Times out</th><th>Context</th><th>Asks</th></tr></thead>
 * <tbody><tr><td>{@link #tryAcquire(long)} (false if too few)</td><td>{@link #acquire(long)}</td>
 * <td>{@link #tryAcquire(long, Duration)}</td><td>{@link #acquire(Context, long)}</td>
 * <td>{@link #nanosUntilAvailable(long)}, {@link #timeUntilAvailable(long)}</td></tr></tbody>
 * </table>
 *
 * <p><b>Waiting.</b> A waiting acquire reserves its tokens at once and then sleeps until the moment they
 * exist; callers are therefore served in the order they reserved (first come, first served) and later
 * callers see the reservation. A wait that cannot end before the timeout or the context's deadline is
 * refused at once, without sleeping: the timed form returns false and the context form throws
 * {@link dev.sluice.DeadlineExceededException}. A waiter that is interrupted or whose context is cancelled
 * gives its reservation back and throws {@link InterruptedException} (interrupt status cleared) or
 * {@link dev.sluice.CancelledException}; an interrupt status already set makes a blocking acquire throw
 * before it takes anything. A bucket has no closed state: it holds no thread and no resource.
 *
 * <p><b>Malformed input.</b> Asking for fewer than 1 token, or for more than the burst (which could never
 * be satisfied), throws {@link IllegalArgumentException}.
 *
 * <p>Thread-safe and lock-free: every operation is a compare-and-set on the single state; the
 * non-blocking operations allocate nothing. Times come from the builder's nanosecond clock (by default
 * {@link System#nanoTime()}); timeouts and context deadlines are measured on {@code System.nanoTime()}.
 *
 * <p>Memory consistency effects: none beyond the bucket's own state; taking a token is not a
 * synchronisation point between the threads that take them.
 */
public interface TokenBucket {

    /** A builder; {@link Builder#rate} is required. */
    static Builder builder() {
        return new Builder();
    }

    /** Takes one token if available now. Never blocks. */
    boolean tryAcquire();

    /** Takes {@code n} tokens if all are available now; otherwise takes none. Never blocks. */
    boolean tryAcquire(long n);

    /**
     * Takes {@code n} tokens, waiting for them at most {@code timeout}. Returns false at once, without
     * waiting, if they would not be available within the timeout.
     */
    boolean tryAcquire(long n, Duration timeout) throws InterruptedException;

    /** Takes {@code n} tokens, waiting exactly as long as they need. */
    void acquire(long n) throws InterruptedException;

    /** Takes one token, waiting until it exists or the context is done. */
    void acquire(Context context) throws InterruptedException;

    /**
     * Takes {@code n} tokens, waiting exactly as long as they need.
     *
     * @throws dev.sluice.DeadlineExceededException at once if the context is done, or if the tokens would
     *         only be available after its deadline (then nothing is taken and nothing waits)
     * @throws dev.sluice.CancelledException if the context is cancelled before or during the wait
     * @throws InterruptedException if the thread is interrupted before or during the wait
     * @throws IllegalArgumentException if {@code n} is less than 1 or more than the burst
     */
    void acquire(Context context, long n) throws InterruptedException;

    /** Nanoseconds until {@code n} tokens will be available (0 if now), e.g. for a {@code Retry-After}. */
    long nanosUntilAvailable(long n);

    /** {@link #nanosUntilAvailable(long)} as a duration. */
    default Duration timeUntilAvailable(long n) {
        return Duration.ofNanos(nanosUntilAvailable(n));
    }

    /** Tokens available now (0 while reservations are pending). */
    long availableTokens();

    /** The most tokens the bucket holds. */
    long burst();

    /** Nanoseconds it takes to refill one token. */
    long nanosPerToken();

    /** Builds a {@link TokenBucket}. Not thread-safe; fails fast on bad values. */
    final class Builder {
        private long tokens;
        private long periodNanos;
        private long burst = -1;
        private boolean initiallyFull = true;
        private LongSupplier clock = System::nanoTime;

        private Builder() { }

        /**
         * Refill {@code tokens} every {@code period}, e.g. {@code rate(100, Duration.ofSeconds(1))}.
         * Required. At most one token per nanosecond.
         */
        public Builder rate(long tokens, Duration period) {
            Objects.requireNonNull(period, "period");
            if (tokens < 1) {
                throw new IllegalArgumentException("tokens must be at least 1, was " + tokens);
            }
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("period must be positive, was " + period);
            }
            long nanos;
            try {
                nanos = period.toNanos();
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("period too long: " + period, e);
            }
            if (nanos / tokens < 1) {
                throw new IllegalArgumentException("rate above one token per nanosecond: " + tokens + " per " + period);
            }
            this.tokens = tokens;
            this.periodNanos = nanos;
            return this;
        }

        /** The bucket's size: how many tokens can be taken at once after an idle period (default: the rate's tokens). */
        public Builder burst(long burst) {
            if (burst < 1) {
                throw new IllegalArgumentException("burst must be at least 1, was " + burst);
            }
            this.burst = burst;
            return this;
        }

        /** Whether the bucket starts full (default) or empty. */
        public Builder initiallyFull(boolean full) {
            this.initiallyFull = full;
            return this;
        }

        /** The nanosecond clock the bucket refills on (default {@link System#nanoTime()}). */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** @throws IllegalStateException if no rate was set; IllegalArgumentException if the burst is too large */
        public TokenBucket build() {
            if (tokens == 0) {
                throw new IllegalStateException("rate(tokens, period) is required");
            }
            long perToken = Math.max(1L, Math.round((double) periodNanos / tokens));
            long b = burst > 0 ? burst : tokens;
            if (b > (Long.MAX_VALUE / 8) / perToken) {
                throw new IllegalArgumentException("burst " + b + " at " + perToken + " ns per token is too large");
            }
            return new TokenBucketImpl(perToken, b, initiallyFull, clock);
        }
    }
}
