package dev.sluice.retry.internal;

import dev.sluice.Context;
import dev.sluice.internal.ContextSupport;
import dev.sluice.retry.Pause;
import java.util.concurrent.locks.LockSupport;

/** The default {@link Pause}: parks until the time is up, the context is done, or an interrupt. */
public final class ParkingPause implements Pause {

    public static final ParkingPause INSTANCE = new ParkingPause();

    private ParkingPause() { }

    @Override
    public void pause(Context context, long nanos) throws InterruptedException {
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        context.throwIfDone();
        if (nanos <= 0) {
            return;
        }
        Thread me = Thread.currentThread();
        long end = System.nanoTime() + nanos;
        // Woken by a cancellation at once; a deadline is covered by parking no longer than the time left.
        Context.Registration reg = ContextSupport.onCancel(context, () -> LockSupport.unpark(me));
        try {
            for (;;) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, Math.min(left, context.remainingNanos()));
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                context.throwIfDone();
            }
        } finally {
            reg.close();
        }
    }
}
