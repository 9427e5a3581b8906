package dev.sluice.retry;

import dev.sluice.CancellableContext;
import dev.sluice.Context;
import dev.sluice.BusyException;
import dev.sluice.retry.internal.Race;
import dev.sluice.retry.internal.Race.State;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Hedged calls: start an attempt; if it has not succeeded after a delay (typically the downstream's
 * observed 95th percentile latency), start another, and so on up to {@code maxAttempts}; return the first
 * success and cancel the others. Hedging trades a little extra load for a shorter tail: only the slowest
 * few percent of calls send a second request. Thread-safe.
 *
 * <pre>{@code
 * Hedge hedge = Hedge.builder().delay(() -> latency.p95()).maxAttempts(2).budget(budget).build();
 * Price p = hedge.call(ctx, c -> pricing.quote(c, sku));
 * }</pre>
 *
 * <p><b>Where attempts run.</b> Each attempt runs on a virtual thread started for it, never on the
 * caller's thread (so that the caller can take another attempt's result while one is stuck). At most
 * {@code maxConcurrentAttempts} attempts run at once across all calls on this hedge: when the cap is
 * reached, a call's first attempt is refused with {@link BusyException}, and a hedge attempt is simply
 * not started (the call keeps waiting for the attempts it has).
 *
 * <p><b>Cancelling the losers.</b> Every attempt of a call receives the same child of the caller's
 * context. When the call returns or throws, for whatever reason, that child is cancelled and the
 * threads of the attempts still running are interrupted; an attempt should pass its context to whatever
 * it waits on. Their late results are ignored. The call does not wait for them to end;
 * {@link #activeAttempts()} shows how many are still running.
 *
 * <p><b>Failures.</b> When an attempt fails and no other is still running, the next attempt starts at
 * once if attempts remain (there is no point waiting for the delay); when all attempts have failed, the
 * call rethrows the latest failure. If the caller's context is done first the call throws
 * {@link dev.sluice.CancelledException} or {@link dev.sluice.DeadlineExceededException}; an interrupt
 * ends it with {@link InterruptedException}.
 *
 * <p><b>Load.</b> With a {@link RetryBudget}, each call records a request and each hedge attempt needs
 * a retry from the budget, so hedges can never add more than the budget's share of extra load; a call
 * whose hedge is refused keeps waiting for its first attempt.
 *
 * <p>Memory consistency effects: actions of the winning attempt happen-before the call returns its
 * result.
 */
public final class Hedge {

    private final String name;
    private final Supplier<Duration> delay;
    private final int maxAttempts;
    private final int maxConcurrentAttempts;
    private final RetryBudget budget;
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder calls = new LongAdder();
    private final LongAdder hedges = new LongAdder();
    private final LongAdder hedgeWins = new LongAdder();
    private final LongAdder refusedByCap = new LongAdder();
    private final LongAdder refusedByBudget = new LongAdder();

    private Hedge(Builder b) {
        this.name = b.name;
        this.delay = b.delay;
        this.maxAttempts = b.maxAttempts;
        this.maxConcurrentAttempts = b.maxConcurrentAttempts;
        this.budget = b.budget;
    }

    /** A builder; the delay must be set. Defaults: 2 attempts, at most 256 concurrent attempts, no budget. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Calls {@code operation}, hedging as described in the class description.
     *
     * @return the first successful result
     * @throws BusyException        if the first attempt cannot start because of the concurrency cap
     * @throws Exception            the latest failure, when every attempt failed
     * @throws InterruptedException if interrupted while waiting
     */
    public <T> T call(Context context, Operation<T> operation) throws Exception {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(operation, "operation");
        context.throwIfDone();
        calls.increment();
        if (budget != null) {
            budget.recordRequest();
        }
        Race<T> race = new Race<>(maxAttempts);
        try (CancellableContext scope = context.withCancel()) {
            try {
                if (!start(race, scope, operation)) {
                    throw new BusyException("hedge '" + name + "': " + maxConcurrentAttempts + " attempts already running");
                }
                long nextHedgeAt = System.nanoTime() + delayNanos();
                for (;;) {
                    boolean mayHedge = race.started() < maxAttempts;
                    boolean timed = mayHedge && nextHedgeAt != Long.MAX_VALUE;
                    switch (race.await(context, timed, nextHedgeAt)) {
                        case WON -> {
                            if (race.winner() > 0) {
                                hedgeWins.increment();
                            }
                            return race.value();
                        }
                        case ALL_FAILED -> {
                            // Attempts that failed because the caller's context ended report that, not
                            // their own failure: the call ran out of time or was cancelled.
                            context.throwIfDone();
                            if (!mayHedge || !startHedge(race, scope, operation)) {
                                throw race.lastFailure();
                            }
                            nextHedgeAt = System.nanoTime() + delayNanos();
                        }
                        case TIME_TO_HEDGE -> {
                            // Refused (cap or budget): do not ask again in this call; wait for what runs.
                            nextHedgeAt = startHedge(race, scope, operation) ? System.nanoTime() + delayNanos()
                                    : Long.MAX_VALUE;
                        }
                    }
                }
            } finally {
                scope.cancel();
                race.interruptRunning();
            }
        }
    }

    private <T> boolean startHedge(Race<T> race, CancellableContext scope, Operation<T> op) {
        if (budget != null && !budget.tryAcquireRetry()) {
            refusedByBudget.increment();
            return false;
        }
        if (!start(race, scope, op)) {
            return false;
        }
        hedges.increment();
        return true;
    }

    /** Starts the next attempt on a new virtual thread, within the cap; false if the cap is reached. */
    private <T> boolean start(Race<T> race, CancellableContext scope, Operation<T> op) {
        for (int n; (n = active.get()) < maxConcurrentAttempts; ) {
            if (active.compareAndSet(n, n + 1)) {
                int index = race.started();
                try {
                    race.launch(Thread.ofVirtual().name(name + "-attempt-" + index).unstarted(() -> {
                        try {
                            race.succeed(index, op.call(scope));
                        } catch (Throwable e) {
                            race.fail(e);
                        } finally {
                            active.decrementAndGet();
                        }
                    }));
                } catch (RuntimeException | Error e) {
                    active.decrementAndGet();
                    throw e;
                }
                return true;
            }
        }
        refusedByCap.increment();
        return false;
    }

    private long delayNanos() {
        Duration d = delay.get();
        if (d == null || d.isNegative()) {
            return 0;
        }
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** Attempts running now, across all calls (losers included until they end). */
    public int activeAttempts() {
        return active.get();
    }

    /** A snapshot of this hedge's counters. */
    public Stats stats() {
        return new Stats(calls.sum(), hedges.sum(), hedgeWins.sum(), refusedByCap.sum(), refusedByBudget.sum());
    }

    /**
     * Counters of a {@link Hedge}, since it was built.
     *
     * @param calls           calls made
     * @param hedges          extra attempts started (after a delay, or after a failure)
     * @param hedgeWins       calls won by an extra attempt rather than the first
     * @param refusedByCap    attempts not started because {@code maxConcurrentAttempts} were running
     * @param refusedByBudget extra attempts not started because the budget refused them
     */
    public record Stats(long calls, long hedges, long hedgeWins, long refusedByCap, long refusedByBudget) {
    }

    /** Configures a {@link Hedge}. Not thread-safe. */
    public static final class Builder {
        private String name = "hedge";
        private Supplier<Duration> delay;
        private int maxAttempts = 2;
        private int maxConcurrentAttempts = 256;
        private RetryBudget budget;

        private Builder() { }

        /** A name for threads and messages. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** A fixed delay before each extra attempt (zero or more). */
        public Builder delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative, got " + delay);
            }
            this.delay = () -> delay;
            return this;
        }

        /**
         * A delay read before each extra attempt, such as the downstream's current 95th percentile latency
         * from your metrics; a null or negative value means no delay.
         */
        public Builder delay(Supplier<Duration> delay) {
            this.delay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** Attempts per call in all, the first included: 1 to 10. */
        public Builder maxAttempts(int n) {
            if (n < 1 || n > 10) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 10, got " + n);
            }
            this.maxAttempts = n;
            return this;
        }

        /** The most attempts running at once across all calls (the bound on threads): 1 to 100,000. */
        public Builder maxConcurrentAttempts(int n) {
            if (n < 1 || n > 100_000) {
                throw new IllegalArgumentException("maxConcurrentAttempts must be between 1 and 100000, got " + n);
            }
            this.maxConcurrentAttempts = n;
            return this;
        }

        /** A budget each extra attempt must fit in. */
        public Builder budget(RetryBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Creates the hedge.
         *
         * @throws IllegalStateException if no delay was set
         */
        public Hedge build() {
            if (delay == null) {
                throw new IllegalStateException("delay was not set: choose how long the first attempt may take before "
                        + "a second starts (for example its observed p95 latency)");
            }
            return new Hedge(this);
        }
    }
}
