package dev.sluice.limit.internal;

import dev.sluice.BusyException;
import dev.sluice.DeadlineExceededException;
import dev.sluice.limit.ConcurrencyLimiter;
import dev.sluice.limit.Permit;
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

    /** Releases {@code permit} after its body threw {@code failure}: dropped or ignored. */
    public static void release(Permit permit, Throwable failure) {
        if (signalsOverload(failure)) {
            permit.releaseDropped();
        } else {
            permit.releaseIgnored();
        }
    }
}
