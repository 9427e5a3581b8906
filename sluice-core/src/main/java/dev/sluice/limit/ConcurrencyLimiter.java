package dev.sluice.limit;

import dev.sluice.Context;
import dev.sluice.limit.internal.ConcurrencyLimiterImpl;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Admission control by concurrency: at most {@link #limit()} units of weight are in flight at once, and
 * each admitted caller holds a {@link Permit} until its request is over. The limit is a {@link Limit},
 * either fixed or adaptive; released permits report their latency and outcome to it.
 *
 * <p>Four forms of acquire, as in {@link java.util.concurrent.BlockingQueue}:
 * <table class="striped">
 * <caption>Ways to acquire a permit</caption>
 * <thead><tr><th></th><th>Never blocks</th><th>Blocks</th><th>Times out</th><th>Context</th></tr></thead>
 * <tbody>
 * <tr><th scope="row">Acquire</th><td>{@link #tryAcquire()} (null if none)</td><td>{@link #acquire()}</td>
 *     <td>{@link #tryAcquire(Duration)} (null on timeout)</td><td>{@link #acquire(Context)}</td></tr>
 * <tr><th scope="row">Weighted</th><td>{@link #tryAcquire(int)}</td><td>{@link #acquire(int)}</td>
 *     <td>{@link #tryAcquire(int, Duration)}</td><td>{@link #acquire(Context, int)}</td></tr>
 * </tbody>
 * </table>
 *
 * <p><b>Weights.</b> A permit of weight {@code w} takes {@code w} units. It is admitted when it fits
 * ({@code inflight + w <= limit}) or when nothing at all is in flight, so a request heavier than a limit
 * that has shrunk still runs, alone, rather than wait forever.
 *
 * <p><b>Ordering.</b> Callers that have to wait are queued and served in the builder's
 * {@link Discipline}: {@link Discipline#FIFO} (the default) or {@link Discipline#LIFO_CODEL} (newest
 * first; waiters that queued too long are shed with a {@link QueueDelayExceededException}). A waiter that
 * does not fit yet holds back the others, so heavy permits are not starved. The non-blocking forms never
 * take a permit ahead of queued waiters: while anyone waits they return null. A caller arriving when
 * nobody waits may take capacity that was freed at the same instant a waiter started to queue.
 *
 * <p><b>Bounded waiting.</b> At most {@code maxWaiters} callers wait at once; one more gets a
 * {@link WaitQueueFullException} under FIFO, or, under LIFO_CODEL, is queued while the oldest waiter gets
 * that exception. A blocking acquire ends with a permit, or with one of: {@link InterruptedException} (the
 * thread was interrupted before or while waiting; the interrupt status is cleared), the context's
 * {@link dev.sluice.DeadlineExceededException} or {@link dev.sluice.CancelledException} (checked before
 * waiting, so a done context never waits; cancellation wakes the waiter at once), a
 * {@link LimitExceededException} subclass (overload), or {@link LimiterClosedException}. If a permit is
 * granted at the same moment as the thread is interrupted, the permit is returned and the interrupt
 * status is set again.
 *
 * <p><b>Closing.</b> {@link #close()} makes every later acquire throw {@link LimiterClosedException} and
 * wakes every waiter with it. Permits already held stay valid and may be released normally.
 *
 * <p>Waiting uses {@link java.util.concurrent.locks.LockSupport} and a
 * {@link java.util.concurrent.locks.ReentrantLock}, never {@code synchronized}, so virtual threads unmount
 * while they wait. The admission fast path (nobody waiting) is a single compare-and-set.
 *
 * <p>Memory consistency effects: actions in a thread before releasing a permit happen-before actions of
 * the thread admitted with the released capacity after a wait.
 */
public interface ConcurrencyLimiter extends AutoCloseable {

    /** A new builder with a fixed limit of 1, FIFO, at most 1024 waiters. */
    static Builder builder() {
        return new Builder();
    }

    /** A FIFO limiter with a fixed {@code limit}; shorthand for {@code builder().limit(limit).build()}. */
    static ConcurrencyLimiter of(int limit) {
        return builder().limit(limit).build();
    }

    /** Takes one unit, waiting as long as needed. */
    Permit acquire() throws InterruptedException;

    /** Takes {@code weight} units, waiting as long as needed. */
    Permit acquire(int weight) throws InterruptedException;

    /** Takes one unit, waiting until admitted or until {@code context} is done. */
    Permit acquire(Context context) throws InterruptedException;

    /**
     * Takes {@code weight} units, waiting until admitted or until {@code context} is done.
     *
     * @throws IllegalArgumentException if {@code weight} is not in [1, 1,000,000]
     * @throws dev.sluice.ContextDoneException if the context is done before admission
     * @throws LimitExceededException if the wait queue is full or this waiter was shed
     * @throws LimiterClosedException if the limiter is or becomes closed before admission
     * @throws InterruptedException if the thread is interrupted before admission
     */
    Permit acquire(Context context, int weight) throws InterruptedException;

    /** One unit if it is free now and nobody waits, else null. Never blocks. */
    Permit tryAcquire();

    /** {@code weight} units if they fit now and nobody waits, else null. Never blocks. */
    Permit tryAcquire(int weight);

    /** One unit, waiting at most {@code timeout}; null if it timed out. */
    Permit tryAcquire(Duration timeout) throws InterruptedException;

    /** {@code weight} units, waiting at most {@code timeout}; null if it timed out. */
    Permit tryAcquire(int weight, Duration timeout) throws InterruptedException;

    /** The current limit. */
    int limit();

    /** Units held by permits not yet released. */
    int inflight();

    /** Callers waiting now. */
    int waiting();

    /** This limiter's name (for messages and metrics). */
    String name();

    /** True once {@link #close()} was called. */
    boolean isClosed();

    /**
     * Refuses all later acquires and wakes every waiter with {@link LimiterClosedException}; stops
     * listening to the limit. Held permits remain valid. Idempotent.
     */
    @Override
    void close();

    /** Builds a {@link ConcurrencyLimiter}. Not thread-safe; fails fast on bad values. */
    final class Builder {
        private String name = "limiter";
        private Limit limit = FixedLimit.of(1);
        private Discipline discipline = Discipline.FIFO;
        private int maxWaiters = 1024;
        private long targetQueueDelayNanos = Duration.ofMillis(5).toNanos();
        private long intervalNanos = Duration.ofMillis(100).toNanos();
        private LongSupplier clock = System::nanoTime;

        private Builder() { }

        /** A name used in exception messages. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** A fixed limit of {@code limit} units (at least 1). */
        public Builder limit(int limit) {
            this.limit = FixedLimit.of(limit);
            return this;
        }

        /** An adaptive (or fixed) limit; the limiter reports every released permit to it. */
        public Builder limit(Limit limit) {
            this.limit = Objects.requireNonNull(limit, "limit");
            return this;
        }

        /** The order waiters are served in (default FIFO). */
        public Builder discipline(Discipline discipline) {
            this.discipline = Objects.requireNonNull(discipline, "discipline");
            return this;
        }

        /** The most callers that may wait at once (default 1024; 0 means never wait). */
        public Builder maxWaiters(int maxWaiters) {
            if (maxWaiters < 0) {
                throw new IllegalArgumentException("maxWaiters must not be negative, was " + maxWaiters);
            }
            this.maxWaiters = maxWaiters;
            return this;
        }

        /**
         * For {@link Discipline#LIFO_CODEL}: the longest a waiter may queue while a standing queue exists
         * (default 5 ms).
         */
        public Builder targetQueueDelay(Duration target) {
            this.targetQueueDelayNanos = positiveNanos(target, "targetQueueDelay");
            return this;
        }

        /**
         * For {@link Discipline#LIFO_CODEL}: how long the queue must stay non-empty to count as standing,
         * and the longest any waiter may queue (default 100 ms). Must not be less than the target.
         */
        public Builder interval(Duration interval) {
            this.intervalNanos = positiveNanos(interval, "interval");
            return this;
        }

        /** The nanosecond clock for latencies and queueing delays (default {@link System#nanoTime()}). */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** @throws IllegalArgumentException if the interval is shorter than the target queueing delay */
        public ConcurrencyLimiter build() {
            if (intervalNanos < targetQueueDelayNanos) {
                throw new IllegalArgumentException("interval (" + Duration.ofNanos(intervalNanos)
                        + ") must not be shorter than targetQueueDelay (" + Duration.ofNanos(targetQueueDelayNanos) + ")");
            }
            return new ConcurrencyLimiterImpl(name, limit, discipline == Discipline.LIFO_CODEL, maxWaiters,
                    targetQueueDelayNanos, intervalNanos, clock);
        }

        private static long positiveNanos(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d.toNanos();
        }
    }
}
