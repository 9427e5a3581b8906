package dev.sluice.retry;

import dev.sluice.BusyException;
import dev.sluice.Context;
import dev.sluice.ContextDoneException;
import dev.sluice.ClosedException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Calls an operation again when it fails, waiting between attempts with exponential backoff and full
 * jitter, within a maximum number of attempts, a maximum total time, the caller's {@link Context}, and
 * optionally a {@link RetryBudget} shared by many callers. Immutable and thread-safe (as long as the
 * injected random generator is, which the default is).
 *
 * <pre>{@code
 * RetryPolicy retry = RetryPolicy.builder().maxAttempts(4).initialDelay(Duration.ofMillis(50))
 *         .maxDelay(Duration.ofSeconds(2)).maxTotalTime(Duration.ofSeconds(5)).budget(budget).build();
 * Order o = retry.call(ctx, c -> client.fetch(c, id));
 * }</pre>
 *
 * <p><b>Backoff.</b> Before retry {@code n} (n = 1 for the second attempt) the call waits a time drawn
 * uniformly from {@code [0, cap(n)]}, where {@code cap(n) = min(maxDelay, initialDelay × multiplier^(n-1))}
 * ("full jitter": many clients failing together spread their retries over the whole interval instead of
 * returning in waves).
 *
 * <p><b>When it stops.</b> The call returns the first successful result. It rethrows the latest failure,
 * unchanged, when that failure is not {@linkplain Builder#retryOn retryable}, when the attempts are used
 * up, when the context is already done, when the next attempt would start after {@code maxTotalTime} or after the context's deadline (it
 * does not wait for nothing), or when the budget refuses the retry. If the context is cancelled or its
 * deadline passes while it waits, the wait ends at once with {@link dev.sluice.CancelledException} or
 * {@link dev.sluice.DeadlineExceededException}, carrying the latest failure as a suppressed exception;
 * an interrupt ends it with {@link InterruptedException}. {@link Error}s are never retried.
 *
 * <p>By default every {@link Exception} is retryable except those that say trying again cannot help:
 * {@link InterruptedException}, the context exceptions, and shutdown ({@link ClosedException}, which
 * covers closed channels, pools and limiters); overload ({@link BusyException}) is retryable.
 */
public final class RetryPolicy {

    private final int maxAttempts;
    private final long initialDelayNanos;
    private final long maxDelayNanos;
    private final double multiplier;
    private final long maxTotalNanos;
    private final Predicate<? super Exception> retryOn;
    private final RetryBudget budget;
    private final LongSupplier clock;
    private final RandomGenerator random;
    private final Pause pause;

    private RetryPolicy(Builder b) {
        this.maxAttempts = b.maxAttempts;
        this.initialDelayNanos = b.initialDelayNanos;
        this.maxDelayNanos = b.maxDelayNanos;
        this.multiplier = b.multiplier;
        this.maxTotalNanos = b.maxTotalNanos;
        this.retryOn = b.retryOn;
        this.budget = b.budget;
        this.clock = b.clock;
        this.random = b.random;
        this.pause = b.pause;
    }

    /** A builder with the defaults: 3 attempts, 100 ms initial delay, doubling, 10 s cap, no time limit. */
    public static Builder builder() {
        return new Builder();
    }

    /** The default retry predicate; see the class description. */
    public static boolean retryableByDefault(Exception e) {
        return !(e instanceof InterruptedException || e instanceof ContextDoneException || e instanceof ClosedException);
    }

    /**
     * Calls {@code operation} until it succeeds or the policy stops; see the class description.
     *
     * @return the first successful result
     * @throws Exception the latest failure, a context exception, or {@link InterruptedException}
     */
    public <T> T call(Context context, Operation<T> operation) throws Exception {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(operation, "operation");
        long start = clock.getAsLong();
        if (budget != null) {
            budget.recordRequest();
        }
        for (int attempt = 1; ; attempt++) {
            Exception failure;
            try {
                return operation.call(context);
            } catch (Exception e) {
                failure = e;
            }
            if (attempt >= maxAttempts || !retryOn.test(failure) || context.isDone()) {
                throw failure;
            }
            long delay = delayNanos(attempt);
            if (maxTotalNanos > 0 && clock.getAsLong() - start + delay >= maxTotalNanos) {
                throw failure;
            }
            if (context.hasDeadline() && delay >= context.remainingNanos()) {
                throw failure;
            }
            if (budget != null && !budget.tryAcquireRetry()) {
                throw failure;
            }
            try {
                pause.pause(context, delay);
            } catch (ContextDoneException | InterruptedException stopped) {
                stopped.addSuppressed(failure);
                throw stopped;
            }
        }
    }

    /** The upper bound of the wait before retry {@code n} (n >= 1): {@code min(maxDelay, initial × multiplier^(n-1))}. */
    public long backoffCapNanos(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retry numbers start at 1, got " + retry);
        }
        double cap = initialDelayNanos * Math.pow(multiplier, retry - 1);
        return cap >= maxDelayNanos || Double.isNaN(cap) ? maxDelayNanos : (long) cap;
    }

    /** A jittered wait before retry {@code n}: uniform in {@code [0, backoffCapNanos(n)]}. */
    public long delayNanos(int retry) {
        long cap = backoffCapNanos(retry);
        if (cap == 0) {
            return 0;
        }
        RandomGenerator r = random != null ? random : ThreadLocalRandom.current();
        return cap == Long.MAX_VALUE ? r.nextLong(cap) : r.nextLong(cap + 1);
    }

    /** The maximum number of attempts, the first included. */
    public int maxAttempts() {
        return maxAttempts;
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", initialDelay=" + Duration.ofNanos(initialDelayNanos)
                + ", multiplier=" + multiplier + ", maxDelay=" + Duration.ofNanos(maxDelayNanos)
                + (maxTotalNanos > 0 ? ", maxTotalTime=" + Duration.ofNanos(maxTotalNanos) : "")
                + (budget != null ? ", budget" : "") + "]";
    }

    /** Configures a {@link RetryPolicy}. Not thread-safe; every setting has a default. */
    public static final class Builder {
        private int maxAttempts = 3;
        private long initialDelayNanos = Duration.ofMillis(100).toNanos();
        private long maxDelayNanos = Duration.ofSeconds(10).toNanos();
        private double multiplier = 2.0;
        private long maxTotalNanos;
        private Predicate<? super Exception> retryOn = RetryPolicy::retryableByDefault;
        private RetryBudget budget;
        private LongSupplier clock = System::nanoTime;
        private RandomGenerator random;
        private Pause pause = Pause.parking();

        private Builder() { }

        /** Attempts in all, the first included: from 1 (never retry) to 1,000. */
        public Builder maxAttempts(int n) {
            if (n < 1 || n > 1_000) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 1000, got " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /** The backoff cap before the first retry (zero or more). */
        public Builder initialDelay(Duration d) {
            this.initialDelayNanos = nonNegativeNanos(d, "initialDelay");
            return this;
        }

        /** The largest backoff cap (zero or more); must not be below the initial delay at build time. */
        public Builder maxDelay(Duration d) {
            this.maxDelayNanos = nonNegativeNanos(d, "maxDelay");
            return this;
        }

        /** How much the cap grows per retry: a finite number, at least 1. */
        public Builder multiplier(double m) {
            if (!(m >= 1.0) || Double.isInfinite(m)) {
                throw new IllegalArgumentException("multiplier must be a finite number >= 1, got " + m);
            }
            this.multiplier = m;
            return this;
        }

        /**
         * The longest the whole call may take, measured from its start on the policy's clock: no attempt
         * starts after it. Positive.
         */
        public Builder maxTotalTime(Duration d) {
            long n = nonNegativeNanos(d, "maxTotalTime");
            if (n == 0) {
                throw new IllegalArgumentException("maxTotalTime must be positive");
            }
            this.maxTotalNanos = n;
            return this;
        }

        /** Which failures are worth another attempt; replaces {@link RetryPolicy#retryableByDefault}. */
        public Builder retryOn(Predicate<? super Exception> retryable) {
            this.retryOn = Objects.requireNonNull(retryable, "retryable");
            return this;
        }

        /** A budget, usually shared by every caller of one downstream, that each retry must fit in. */
        public Builder budget(RetryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /** The nano clock for {@code maxTotalTime} (default {@code System::nanoTime}). */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** The jitter source (default: {@code ThreadLocalRandom} of the calling thread). */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** How to wait between attempts (default {@link Pause#parking()}). */
        public Builder pause(Pause pause) {
            this.pause = Objects.requireNonNull(pause, "pause");
            return this;
        }

        /**
         * Creates the policy.
         *
         * @throws IllegalStateException if the maximum delay is below the initial delay
         */
        public RetryPolicy build() {
            if (maxDelayNanos < initialDelayNanos) {
                throw new IllegalStateException("maxDelay " + Duration.ofNanos(maxDelayNanos) + " is below initialDelay "
                        + Duration.ofNanos(initialDelayNanos));
            }
            return new RetryPolicy(this);
        }

        private static long nonNegativeNanos(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative()) {
                throw new IllegalArgumentException(what + " must not be negative, got " + d);
            }
            try {
                return d.toNanos();
            } catch (ArithmeticException tooLong) {
                return Long.MAX_VALUE;
            }
        }
    }
}
