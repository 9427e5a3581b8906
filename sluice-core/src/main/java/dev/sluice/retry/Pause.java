package dev.sluice.retry;

import dev.sluice.Context;
import dev.sluice.retry.internal.ParkingPause;

/**
 * How a {@link RetryPolicy} waits between attempts. The default, {@link #parking()}, parks the thread and
 * is woken at once by cancellation of the context; tests inject one that advances a fake clock instead.
 */
@FunctionalInterface
public interface Pause {

    /**
     * Waits {@code nanos}, or less if {@code context} is done first.
     *
     * @throws dev.sluice.CancelledException        if the context is cancelled (before or while waiting)
     * @throws dev.sluice.DeadlineExceededException if the context's deadline passes first
     * @throws InterruptedException                 if the thread is interrupted (before or while waiting)
     */
    void pause(Context context, long nanos) throws InterruptedException;

    /**
     * Parks with {@link java.util.concurrent.locks.LockSupport}: no timer thread, no {@code Thread.sleep};
     * a cancellation of the context unparks the waiting thread at once, and the wait never runs past the
     * context's deadline.
     */
    static Pause parking() {
        return ParkingPause.INSTANCE;
    }
}
