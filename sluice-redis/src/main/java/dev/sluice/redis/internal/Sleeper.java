package dev.sluice.redis.internal;

import dev.sluice.Context;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/** Parks until a moment on a nanosecond clock, waking early if the context is done or the thread interrupted. */
public final class Sleeper {
    private Sleeper() { }

    /**
     * Parks until {@code clock} reaches {@code until}. Returns normally when it has; throws
     * {@link InterruptedException} (status cleared) or the context's exception otherwise.
     */
    public static void parkUntil(LongSupplier clock, long until, Context context) throws InterruptedException {
        Thread me = Thread.currentThread();
        try (Context.Registration r = context.onDone(() -> LockSupport.unpark(me))) {
            while (true) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                context.throwIfDone();
                long left = until - clock.getAsLong();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(context, left);
            }
        }
    }
}
