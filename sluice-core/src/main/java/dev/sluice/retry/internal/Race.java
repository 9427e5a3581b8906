package dev.sluice.retry.internal;

import dev.sluice.Context;
import dev.sluice.internal.ContextSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The attempts of one hedged call racing to succeed. Attempt threads report into it; the calling
 * thread, and only it, launches attempts and waits.
 *
 * @param <T> the result type
 */
public final class Race<T> {

    /** What {@link #await} saw. */
    public enum State { WON, ALL_FAILED, TIME_TO_HEDGE }

    private record Win<T>(int index, T value) { }

    private final Thread caller = Thread.currentThread();
    private final Thread[] threads;
    /** Written and read by the caller only. */
    private int started;
    private final AtomicReference<Win<T>> win = new AtomicReference<>();
    private final AtomicInteger failed = new AtomicInteger();
    private volatile Throwable lastFailure;

    public Race(int maxAttempts) {
        this.threads = new Thread[maxAttempts];
    }

    /** Starts an attempt's thread (caller only). */
    public void launch(Thread t) {
        threads[started] = t;
        started++;
        t.start();
    }

    public int started() {
        return started;
    }

    /** Called by attempt {@code index} with its result; the first one wins. */
    public void succeed(int index, T value) {
        if (win.compareAndSet(null, new Win<>(index, value))) {
            LockSupport.unpark(caller);
        }
    }

    /** Called by an attempt that threw. */
    public void fail(Throwable e) {
        lastFailure = e;
        failed.incrementAndGet();
        LockSupport.unpark(caller);
    }

    /**
     * Parks the caller until an attempt wins, all started attempts have failed, or (if {@code timed}) it
     * is {@code wakeAt} on {@link System#nanoTime()}.
     *
     * @throws dev.sluice.ContextDoneException if the context is done first
     * @throws InterruptedException            if the caller is interrupted
     */
    public State await(Context context, boolean timed, long wakeAt) throws InterruptedException {
        Context.Registration reg = ContextSupport.onCancel(context, () -> LockSupport.unpark(caller));
        try {
            for (;;) {
                if (win.get() != null) {
                    return State.WON;
                }
                if (failed.get() == started) {
                    return State.ALL_FAILED;
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                context.throwIfDone();
                long park = context.remainingNanos();
                if (timed) {
                    long left = wakeAt - System.nanoTime();
                    if (left <= 0) {
                        return State.TIME_TO_HEDGE;
                    }
                    park = Math.min(park, left);
                }
                if (park == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    LockSupport.parkNanos(this, park);
                }
            }
        } finally {
            reg.close();
        }
    }

    /** The index of the winning attempt (0 for the first). */
    public int winner() {
        return win.get().index();
    }

    public T value() {
        return win.get().value();
    }

    /** The latest failure, rethrown as is if it is an Exception or an Error. */
    public Exception lastFailure() {
        Throwable t = lastFailure;
        if (t instanceof Exception e) {
            return e;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new IllegalStateException("attempt failed", t);
    }

    /** Interrupts the attempts still running (caller only, after the context they share was cancelled). */
    public void interruptRunning() {
        for (int i = 0; i < started; i++) {
            if (threads[i].isAlive()) {
                threads[i].interrupt();
            }
        }
    }
}
