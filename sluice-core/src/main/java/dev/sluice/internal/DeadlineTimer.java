package dev.sluice.internal;

import dev.sluice.Context;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One daemon thread, started on first use, that runs {@link Context#onDone} callbacks when a deadline
 * passes. Its queue holds one entry per live registration with a deadline, and a closed registration
 * removes its entry at once (remove-on-cancel), so its size is bounded by what callers hold.
 */
public final class DeadlineTimer {

    private DeadlineTimer() { }

    private static final class Holder {
        static final ScheduledThreadPoolExecutor TIMER = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "sluice-deadline-timer");
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);
            return t;
        }
    }

    public static Context.Registration schedule(long deadlineNanos, Runnable callback) {
        long delay = Math.max(0L, deadlineNanos - System.nanoTime());
        ScheduledFuture<?> f = Holder.TIMER.schedule(callback, delay, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }
}
