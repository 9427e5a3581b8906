package dev.sluice.limit.internal;

import dev.sluice.BusyException;
import dev.sluice.DeadlineExceededException;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
import dev.sluice.pool.Job;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;

/**
 * How a scoped body's failure is reported to the limit (the table in {@link ConcurrencyLimiter}'s
 * documentation), in one place for the limiter's own fast path and for the interface's default methods.
 */
public final class ScopedRelease {

    private ScopedRelease() { }

    /** True if {@code failure} says the work failed because of overload: a drop for the limit. */
    public static boolean signalsOverload(Throwable failure) {
        return failure instanceof BusyException
                || failure instanceof DeadlineExceededException
                || failure instanceof TimeoutException;
    }

    /** Calls {@code body} holding {@code permit}, then releases it: success, or as {@link #release} says. */
    public static <T> T callHolding(Permit permit, Callable<? extends T> body) throws Exception {
        T result;
        try {
            result = body.call();
        } catch (Throwable t) {
            release(permit, t);
            throw t;
        }
        permit.close();
        return result;
    }

    /** Runs {@code body} holding {@code permit}, then releases it: success, or as {@link #release} says. */
    public static void runHolding(Permit permit, Job body) throws Exception {
        try {
            body.run();
        } catch (Throwable t) {
            release(permit, t);
            throw t;
        }
        permit.close();
    }

    /** Releases {@code permit} after its body threw {@code failure}: dropped or ignored. */
    public static void release(Permit permit, Throwable failure) {
        if (signalsOverload(failure)) {
            permit.releaseDropped();
        } else {
            permit.releaseIgnored();
        }
    }
}
