package dev.sluice.pubsub.internal;

import dev.sluice.Context;
import dev.sluice.internal.ContextSupport;
import dev.sluice.pubsub.Latest;
import dev.sluice.pubsub.RegisterClosedException;
import dev.sluice.pubsub.Versioned;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** The latest-value register: one atomic reference to an immutable (version, value) pair. */
public final class LatestImpl<T> implements Latest<T> {
    /*
     * Implementation overview
     *
     * The whole state is one immutable Versioned in an AtomicReference, replaced by CAS with version + 1:
     * a reader that reads the reference gets a matching value and version, and versions only grow, so no
     * reader can see an older value after a newer one.
     *
     * Waking waiters without making set() wait: waiters register in `waiting` (under the lock) before
     * re-reading the value, and set() reads `waiting` after its CAS. Both are volatile accesses, so at
     * least one side sees the other: either set() sees a waiter and signals under the lock (the waiter
     * holds the lock from its check until await() releases it, so the signal cannot fall in between), or
     * the waiter's re-read sees the new value. With no waiter, set() is one CAS and one volatile read.
     */

    private final AtomicReference<Versioned<T>> current;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Threads inside awaitNewer's wait loop; written under the lock, read by set() without it. */
    private volatile int waiting;
    private volatile boolean closed;

    public LatestImpl(Versioned<T> initial) {
        this.current = new AtomicReference<>(initial);
    }

    @Override
    public long set(T value) {
        Objects.requireNonNull(value, "value");
        if (closed) {
            throw new RegisterClosedException("cannot set: this Latest is closed");
        }
        Versioned<T> prev;
        Versioned<T> next;
        do {
            prev = current.get();
            next = new Versioned<>(prev == null ? 1 : prev.version() + 1, value);
        } while (!current.compareAndSet(prev, next));
        if (waiting > 0) {
            wakeAll();
        }
        return next.version();
    }

    @Override
    public Versioned<T> get() {
        return current.get();
    }

    @Override
    public long version() {
        Versioned<T> c = current.get();
        return c == null ? 0 : c.version();
    }

    @Override
    public Versioned<T> awaitNewer(long seen, Context context) throws InterruptedException {
        Objects.requireNonNull(context, "context");
        return await(seen, context, false, 0L);
    }

    @Override
    public Versioned<T> awaitNewer(long seen, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long nanos = timeout.isNegative() ? 0 : (timeout.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE / 2 : timeout.toNanos());
        return await(seen, null, true, System.nanoTime() + nanos);
    }

    @Override
    public Versioned<T> awaitNewer(long seen) throws InterruptedException {
        return await(seen, null, false, 0L);
    }

    private Versioned<T> await(long seen, Context ctx, boolean timed, long deadline) throws InterruptedException {
        if (seen < 0) {
            throw new IllegalArgumentException("seen must be a version >= 0 (0 = nothing seen yet), got " + seen);
        }
        Versioned<T> c = current.get();
        if (ctx != null) {
            ctx.throwIfDone();
        }
        if (c != null && c.version() > seen) {
            return c;
        }
        if (closed) {
            throw closedWhileWaiting(seen);
        }
        if (ctx != null && ctx.hasDeadline()) {
            timed = true;
            deadline = ContextSupport.deadlineNanos(ctx);
        }
        if (timed && deadline - System.nanoTime() <= 0 && ctx == null) {
            return null;
        }
        lock.lockInterruptibly();
        Context.Registration reg = Context.Registration.NONE;
        try {
            waiting++;
            if (ctx != null) {
                reg = ContextSupport.onCancel(ctx, this::wakeAll);
            }
            for (;;) {
                c = current.get();
                if (c != null && c.version() > seen) {
                    return c;
                }
                if (closed) {
                    throw closedWhileWaiting(seen);
                }
                if (ctx != null && ctx.isDone()) {
                    ctx.throwIfDone();
                }
                if (timed) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        if (ctx == null) {
                            return null;
                        }
                        // The context's own deadline: it reports done from this instant on.
                        changed.awaitNanos(TimeUnit.MICROSECONDS.toNanos(10));
                        continue;
                    }
                    changed.awaitNanos(left);
                } else {
                    changed.await();
                }
            }
        } finally {
            waiting--;
            lock.unlock();
            reg.close();
        }
    }

    private RegisterClosedException closedWhileWaiting(long seen) {
        return new RegisterClosedException("this Latest is closed and has nothing newer than version " + seen
                + " (its last version is " + version() + ")");
    }

    private void wakeAll() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        closed = true;
        wakeAll();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        Versioned<T> c = current.get();
        return "Latest[version=" + (c == null ? 0 : c.version()) + (closed ? ", closed]" : "]");
    }
}
