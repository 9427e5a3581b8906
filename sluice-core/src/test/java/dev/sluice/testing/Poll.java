package dev.sluice.testing;

import java.time.Duration;
import java.util.concurrent.locks.AbstractQueuedSynchronizer;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waiting for a condition with a deadline, instead of sleeping and hoping. Each check is followed by a
 * short park, so the poller leaves the CPU to the threads it is waiting for.
 */
public final class Poll {

    /** How long a poll waits before failing the test; generous, since a passing poll ends at once. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(5);

    private Poll() { }

    /** Returns once {@code condition} holds; fails the test if it does not within {@link #DEFAULT_DEADLINE}. */
    public static void until(String what, BooleanSupplier condition) {
        until(what, DEFAULT_DEADLINE, condition);
    }

    /** Returns once {@code condition} holds; fails the test if it does not within {@code deadline}. */
    public static void until(String what, Duration deadline, BooleanSupplier condition) {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                throw new AssertionError("timed out after " + deadline + " waiting until " + what);
            }
            Thread.yield();
            LockSupport.parkNanos(20_000L);
        }
    }

    /**
     * Returns once {@code t} is parked inside a sluice operation: WAITING or TIMED_WAITING with a park
     * blocker that is not a lock (a thread queued for a channel's {@code ReentrantLock} is WAITING too, but
     * it has not reached the channel's wait queue yet). Works for platform and virtual threads.
     */
    public static void untilParked(Thread t) {
        until(t.getName() + " is parked in a channel operation", () -> isParked(t));
    }

    /** True if {@code t} is parked on something other than a lock. */
    public static boolean isParked(Thread t) {
        Thread.State s = t.getState();
        if (s != Thread.State.WAITING && s != Thread.State.TIMED_WAITING) {
            return false;
        }
        Object blocker = LockSupport.getBlocker(t);
        return blocker != null && !(blocker instanceof AbstractQueuedSynchronizer);
    }
}
