package dev.sluice.limit;

import dev.sluice.Context;
import dev.sluice.limit.internal.ConcurrencyLimiterImpl;
import dev.sluice.limit.internal.ScopedRelease;
import dev.sluice.pool.Job;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
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
 * <p><b>Scoped forms.</b> {@link #call(Context, Callable)}, {@link #run(Context, Job)},
 * {@link #tryCall(Callable, Object)} and {@link #tryRun(Job)} (each also weighted) acquire, run a body on
 * the calling thread and release when it ends, with no {@link Permit} handed out. They admit exactly as
 * {@link #acquire(Context, int)} (the blocking ones) and {@link #tryAcquire(int)} (the {@code try} ones) do,
 * and are cheaper than a permit: a permit's release must be idempotent from any thread, which costs it
 * an allocation and an atomic operation of its own, while a scoped body is released once, by the thread
 * that ran it. Their release reports the body's outcome to the limit as the matching permit release
 * would:
 * <table class="striped">
 * <caption>How a scoped body's outcome is reported</caption>
 * <thead><tr><th>The body</th><th>Reported as</th></tr></thead>
 * <tbody>
 * <tr><td>returns normally</td><td>a success with its latency, as {@link Permit#close()}</td></tr>
 * <tr><td>throws a {@link dev.sluice.BusyException} (such as a {@link LimitExceededException} from a
 *     limiter or pool further down), a {@link dev.sluice.DeadlineExceededException} or a
 *     {@link java.util.concurrent.TimeoutException}</td>
 *     <td>a drop (overload: the limit shrinks), as {@link Permit#releaseDropped()}</td></tr>
 * <tr><td>throws anything else (including {@link dev.sluice.CancelledException},
 *     {@link InterruptedException} and errors)</td>
 *     <td>nothing, as {@link Permit#releaseIgnored()}: such failures say nothing about load</td></tr>
 * </tbody>
 * </table>
 * Only the class of the thrown exception counts, not its causes. The body's exception is rethrown
 * unchanged once the units are back. Use a {@link Permit} when the outcome needs another mapping or the
 * request ends on another thread.
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
 * while they wait. The admission fast path (nobody waiting) is a single compare-and-set; the release is
 * one atomic decrement, plus, for a permit, the compare-and-set that makes its release idempotent. Under a
 * {@link FixedLimit} nothing reads the clock on either path.
 *
 * <p>Memory consistency effects: actions in a thread before releasing a permit (or before a scoped body
 * returns or throws) happen-before actions of the thread admitted with the released capacity after a
 * wait.
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

    /**
     * Runs {@code body} on this thread holding one unit, waiting for it as {@link #acquire(Context)} does,
     * and returns what the body returns. Shorthand for {@code call(context, 1, body)}.
     *
     * @see #call(Context, int, Callable)
     */
    default <T> T call(Context context, Callable<? extends T> body) throws Exception {
        return call(context, 1, body);
    }

    /**
     * Runs {@code body} on this thread holding {@code weight} units and returns what it returns. Waits
     * for admission exactly as {@link #acquire(Context, int)} does: until admitted, or until the context
     * is done, the thread is interrupted, the caller is shed or refused for a full wait queue, or the
     * limiter is closed; in each of those cases the body does not run and nothing is held. Once the body
     * has started, closing the limiter or the context being done does not stop it (the body may watch the
     * context itself). When the body ends, however it ends, its units are given back and its outcome is
     * reported to the limit as the class documentation's table says; then its result is returned or its
     * exception rethrown as it is. If admission coincides with an interrupt, the body runs with the
     * interrupt status set.
     *
     * @throws IllegalArgumentException if {@code weight} is not in [1, 1,000,000]
     * @throws dev.sluice.ContextDoneException if the context is done before admission
     * @throws LimitExceededException if the wait queue is full or this waiter was shed
     * @throws LimiterClosedException if the limiter is or becomes closed before admission
     * @throws InterruptedException if the thread is interrupted before admission
     * @throws Exception whatever {@code body} throws
     */
    default <T> T call(Context context, int weight, Callable<? extends T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        return ScopedRelease.callHolding(acquire(context, weight), body);
    }

    /**
     * Runs {@code body} on this thread holding one unit, waiting for it as {@link #acquire(Context)} does.
     * Shorthand for {@code run(context, 1, body)}.
     *
     * @see #call(Context, int, Callable)
     */
    default void run(Context context, Job body) throws Exception {
        run(context, 1, body);
    }

    /**
     * Runs {@code body} on this thread holding {@code weight} units; waits, releases and reports exactly
     * as {@link #call(Context, int, Callable)} does.
     *
     * @throws IllegalArgumentException if {@code weight} is not in [1, 1,000,000]
     * @throws dev.sluice.ContextDoneException if the context is done before admission
     * @throws LimitExceededException if the wait queue is full or this waiter was shed
     * @throws LimiterClosedException if the limiter is or becomes closed before admission
     * @throws InterruptedException if the thread is interrupted before admission
     * @throws Exception whatever {@code body} throws
     */
    default void run(Context context, int weight, Job body) throws Exception {
        Objects.requireNonNull(body, "body");
        ScopedRelease.runHolding(acquire(context, weight), body);
    }

    /**
     * Runs {@code body} on this thread holding one unit if the unit is free now and nobody waits; never
     * blocks. Shorthand for {@code tryRun(1, body)}.
     *
     * @see #tryRun(int, Job)
     */
    default boolean tryRun(Job body) throws Exception {
        return tryRun(1, body);
    }

    /**
     * Runs {@code body} on this thread holding {@code weight} units if they fit now and nobody waits, and
     * returns true once it has run; returns false at once, without running it, otherwise. Never blocks
     * and ignores the interrupt status, as {@link #tryAcquire(int)}. Releases and reports the outcome as
     * {@link #call(Context, int, Callable)} does; if the body throws, its exception is rethrown (so a
     * true result always means the body ran and returned normally).
     *
     * @throws IllegalArgumentException if {@code weight} is not in [1, 1,000,000]
     * @throws LimiterClosedException if the limiter is closed
     * @throws Exception whatever {@code body} throws
     */
    default boolean tryRun(int weight, Job body) throws Exception {
        Objects.requireNonNull(body, "body");
        Permit p = tryAcquire(weight);
        if (p == null) {
            return false;
        }
        ScopedRelease.runHolding(p, body);
        return true;
    }

    /**
     * Calls {@code body} on this thread holding one unit if the unit is free now and nobody waits; never
     * blocks. Shorthand for {@code tryCall(1, body, ifBusy)}.
     *
     * @see #tryCall(int, Callable, Object)
     */
    default <T> T tryCall(Callable<? extends T> body, T ifBusy) throws Exception {
        return tryCall(1, body, ifBusy);
    }

    /**
     * Calls {@code body} on this thread holding {@code weight} units if they fit now and nobody waits,
     * and returns its result; returns {@code ifBusy} at once, without calling it, otherwise. Never blocks
     * and ignores the interrupt status, as {@link #tryAcquire(int)}. The caller chooses {@code ifBusy} (a
     * fallback value, or a sentinel that the body never returns, when the two cases must be told apart;
     * {@link #tryRun(int, Job)} tells them apart by itself). Releases and reports the outcome as
     * {@link #call(Context, int, Callable)} does; if the body throws, its exception is rethrown.
     *
     * @throws IllegalArgumentException if {@code weight} is not in [1, 1,000,000]
     * @throws LimiterClosedException if the limiter is closed
     * @throws Exception whatever {@code body} throws
     */
    default <T> T tryCall(int weight, Callable<? extends T> body, T ifBusy) throws Exception {
        Objects.requireNonNull(body, "body");
        Permit p = tryAcquire(weight);
        return p == null ? ifBusy : ScopedRelease.callHolding(p, body);
    }

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
         * For {@link Discipline#LIFO_CODEL}: how long the queue must stand (not be emptied by serving its
         * waiters) to count as standing, and the longest any waiter may queue (default 100 ms). Must not
         * be less than the target.
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
