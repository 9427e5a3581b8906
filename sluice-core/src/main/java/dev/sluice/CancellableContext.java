package dev.sluice;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link Context} that can be cancelled on its own, made by {@link Context#withCancel()}. Cancelling it
 * cancels every context derived from it, and ends every sluice operation waiting on any of them with a
 * {@link CancelledException}. Cancelling is idempotent: only the first call has an effect. It is
 * {@link AutoCloseable}, closing cancels, so that a try-with-resources block plays the part of Go's
 * {@code defer cancel()}.
 */
public final class CancellableContext extends Context implements AutoCloseable {

    record Cancellation(long atNanos, CancelledException exception) { }

    /** Registered callbacks, a doubly linked list guarded by {@link #lock} so removal is O(1). */
    private static final class Listener implements Registration {
        final Runnable callback;
        final CancellableContext owner;
        Listener prev;
        Listener next;
        boolean linked;

        Listener(Runnable callback, CancellableContext owner) {
            this.callback = callback;
            this.owner = owner;
        }

        @Override
        public void close() {
            owner.remove(this);
        }
    }

    // A lock (not synchronized) because virtual threads register here on their way to park.
    private final ReentrantLock lock = new ReentrantLock();
    private volatile Cancellation cancellation;
    private Listener head;

    CancellableContext(Context parent, boolean hasDeadline, long deadlineNanos) {
        super(parent.scope(), hasDeadline, deadlineNanos);
    }

    @Override
    CancellableContext scope() {
        return this;
    }

    Cancellation cancellation() {
        return cancellation;
    }

    /** Cancels this context and its descendants. Returns true if this call cancelled it, false if it was already. */
    public boolean cancel() {
        return cancel(null);
    }

    /**
     * Cancels this context and its descendants with a reason that operations report as the cause of their
     * {@link CancelledException}. Callbacks registered with {@link #onDone} run on this thread before
     * it returns; if any of them throws, every callback still runs and the first failure is rethrown
     * afterwards with the others suppressed.
     *
     * @return true if this call cancelled the context, false if it was already cancelled
     */
    public boolean cancel(Throwable reason) {
        List<Runnable> toRun;
        lock.lock();
        try {
            if (cancellation != null) {
                return false;
            }
            cancellation = new Cancellation(System.nanoTime(),
                    new CancelledException(reason == null ? "context cancelled" : "context cancelled: " + reason, reason));
            toRun = new ArrayList<>();
            for (Listener l = head; l != null; l = l.next) {
                l.linked = false;
                toRun.add(l.callback);
            }
            head = null;
        } finally {
            lock.unlock();
        }
        RuntimeException first = null;
        for (Runnable r : toRun) {
            try {
                r.run();
            } catch (RuntimeException | Error e) {
                if (first == null) {
                    first = e instanceof RuntimeException re ? re : new IllegalStateException("a cancellation callback failed", e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return true;
    }

    /** Same as {@link #cancel()}. */
    @Override
    public void close() {
        cancel();
    }

    /** Adds a callback run once on cancellation; runs it now if already cancelled. */
    Registration addListener(Runnable callback) {
        Listener l = new Listener(callback, this);
        lock.lock();
        try {
            if (cancellation == null) {
                l.next = head;
                if (head != null) {
                    head.prev = l;
                }
                head = l;
                l.linked = true;
                return l;
            }
        } finally {
            lock.unlock();
        }
        callback.run();
        return Registration.NONE;
    }

    private void remove(Listener l) {
        lock.lock();
        try {
            if (!l.linked) {
                return;
            }
            l.linked = false;
            if (l.prev != null) {
                l.prev.next = l.next;
            } else {
                head = l.next;
            }
            if (l.next != null) {
                l.next.prev = l.prev;
            }
            l.prev = l.next = null;
        } finally {
            lock.unlock();
        }
    }
}
