package dev.sluice.channel.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A thread parked on one channel, waiting to send {@link #item} or to be handed one. Queued in a
 * channel's {@link WaitQueue} under that channel's lock; completed by exactly one counterpart, which
 * writes the result and then publishes it with a CAS that the parked thread reads.
 *
 * <p>A waiter is either plain (one operation: its own {@link #state} decides the race between a
 * counterpart completing it and its owner giving up) or part of a select (its {@link #select}'s state
 * decides the race among all of that select's waiters, so that exactly one clause wins).
 */
final class Waiter {

    static final int WAITING = 0;
    /** Completed: the item was handed over (or taken). */
    static final int DONE = 1;
    /** Completed by close(): nothing was handed over. */
    static final int CLOSED = 2;
    /** The owner gave up (timeout, interrupt, context) before anyone completed it. */
    static final int CANCELLED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(Waiter.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Thread thread;
    final SelectState select;
    final int clauseIndex;
    /** A sender's item, or the item handed to a receiver; written before the completing CAS. */
    Object item;
    /**
     * For a receiver handed an item: the channel's count of items received before it, written before
     * the completing CAS (see ChannelImpl.receiveNumbered).
     */
    long number;
    /** For select waiters: DONE or CLOSED, written before the select's winning CAS. */
    int outcome;
    private volatile int state;

    // Queue links, guarded by the owning channel's lock.
    Waiter prev;
    Waiter next;
    boolean queued;

    /**
     * One plain waiter per thread, reused by each of its waits so that blocking allocates nothing. Safe
     * because a thread waits for one plain operation at a time, a waiter is off every queue when its
     * operation returns, and counterparts read a sender's item before the completing CAS and touch
     * nothing but the (final) thread after it.
     */
    private static final ThreadLocal<Waiter> PER_THREAD = ThreadLocal.withInitial(() -> new Waiter(Thread.currentThread()));

    private Waiter(Thread thread) {
        this.thread = thread;
        this.select = null;
        this.clauseIndex = -1;
    }

    /** This thread's plain waiter, reset for a new wait. Call under the channel's lock, before queuing it. */
    static Waiter forThisThread(Object item) {
        Waiter w = PER_THREAD.get();
        w.item = item;
        STATE.set(w, WAITING); // published to counterparts by the lock release that follows
        return w;
    }

    Waiter(SelectState select, int clauseIndex, Object item) {
        this.thread = select.thread;
        this.item = item;
        this.select = select;
        this.clauseIndex = clauseIndex;
    }

    /**
     * Called by a counterpart holding the channel's lock, after removing this waiter from its queue.
     * {@code value} is the item for a receiver, null otherwise. Returns false if the owner already gave up
     * or (for a select) another clause already won; then nothing was handed over.
     */
    boolean tryComplete(Object value, int result) {
        if (value != null) {
            item = value;
        }
        if (select == null) {
            // The CAS is a release: the item written above is visible to the owner once it reads the state.
            return STATE.compareAndSet(this, WAITING, result);
        }
        outcome = result;
        return select.tryWin(this);
    }

    /** The owner's attempt to give up; false means a counterpart completed it first. Plain waiters only. */
    boolean tryCancel() {
        return STATE.compareAndSet(this, WAITING, CANCELLED);
    }

    int state() {
        return state;
    }
}
